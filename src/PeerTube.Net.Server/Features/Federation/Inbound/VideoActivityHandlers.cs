using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Create and Update of a Video: a remote video, stored as a reference to its origin; only from who speaks for its
/// channel, and only when we follow it (<see cref="VideoTrust"/>).
/// </summary>
internal sealed class VideoHandler(RemoteVideos videos, VideoTrust trust) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type is "Create" or "Update" && objectType == "Video";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (await trust.MayWriteAsync(activity.Object, activity.Signer, ct) is { } refused)
        {
            return ActivityResult.Ignored(refused);
        }

        return await videos.UpsertAsync(activity.Object, activity.Host, ct) is null ? ActivityResult.Ignored("video refused") : ActivityResult.Done;
    }
}

/// <summary>
/// Announce: a shared video, taken only from an actor we follow (or whose account or instance we follow), as PeerTube
/// does. The object is fetched from its own origin, whatever the announcer embedded: the origin speaks for it.
/// </summary>
internal sealed class AnnounceHandler(RemoteVideos videos, LocalActors local, Http.FederationHttpClient http, VideoTrust trust) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Announce";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        var url = ActivityJson.IdOf(activity.Object);
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return ActivityResult.Ignored("announce without an object id");
        }

        if (await local.ByUrlAsync(url, ct) is not null || ActivityJson.HostOf(url) == ActivityJson.HostOf(local.SharedInbox))
        {
            return ActivityResult.Done; // Our own video, shared back to us.
        }

        if (!await trust.FollowedAsync(activity.Signer, ct))
        {
            return ActivityResult.Ignored("an announce from an actor we do not follow");
        }

        var fetched = await http.GetActivityAsync(uri, LocalActors.SigningKey(await local.InstanceActorAsync(ct)), ct);
        if (!fetched.Ok || fetched.Document is null)
        {
            return ActivityResult.Ignored($"could not fetch the announced object ({fetched.Error})");
        }

        using var doc = fetched.Document;
        var origin = ActivityJson.HostOf(fetched.FinalUrl.AbsoluteUri)!;
        if (doc.RootElement.Type() != "Video")
        {
            return ActivityResult.Ignored("announced object is not a Video");
        }

        return await videos.UpsertAsync(doc.RootElement, origin, ct) is null ? ActivityResult.Ignored("video refused") : ActivityResult.Done;
    }
}

/// <summary>Delete of a remote video, from its owner (its channel, the channel's account or its instance).</summary>
internal sealed class DeleteVideoHandler(RemoteVideos videos, VideoTrust trust, AppDbContext db) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Delete";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ActivityJson.IdOf(activity.Object) is not { } url
            || await db.Videos.AsNoTracking().FirstOrDefaultAsync(v => v.RemoteUrl == url, ct) is not { } video)
        {
            return ActivityResult.Pass;
        }

        if (await trust.MayDeleteAsync(video, activity.Signer, ct) is { } refused)
        {
            return ActivityResult.Ignored(refused);
        }

        return await videos.DeleteAsync(url, activity.Host, ct) ? ActivityResult.Done : ActivityResult.Pass;
    }
}
