namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>Create and Update of a Video: a remote video, stored as a reference to its origin.</summary>
internal sealed class VideoHandler(RemoteVideos videos) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type is "Create" or "Update" && objectType == "Video";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        await videos.UpsertAsync(activity.Object, activity.Host, ct) is null ? ActivityResult.Ignored("video refused") : ActivityResult.Done;
}

/// <summary>Announce: a shared video. The object is fetched from its own origin, whatever the announcer embedded.</summary>
internal sealed class AnnounceHandler(RemoteVideos videos, LocalActors local, Http.FederationHttpClient http) : IActivityHandler
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

/// <summary>Delete of a remote video, from its origin.</summary>
internal sealed class DeleteVideoHandler(RemoteVideos videos) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Delete";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityJson.IdOf(activity.Object) is { } url && await videos.DeleteAsync(url, activity.Host, ct) ? ActivityResult.Done : ActivityResult.Pass;
}
