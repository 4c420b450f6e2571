using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// Our copies, in PeerTube's CacheFile shape: Create when a copy is ready, Update when its expiry moves, Undo when it
/// is dropped; sent to the video's origin (which tells its followers) and to our own followers.
/// </summary>
public sealed class CacheFileAnnouncer(AppDbContext db, LocalActors local, VideoAudience audience, ActivityObjects objects, Outbox outbox,
    IOptions<InstanceOptions> instance, TimeProvider clock)
{
    public string CacheFileUrl(Guid uuid) => instance.Value.Absolute($"/redundancy/streaming-playlists/hls/{uuid}");

    public string BaseUrl(Guid uuid) => instance.Value.Absolute($"/static/redundancy/hls/{uuid}");

    public static JsonObject CacheFile(string id, string videoUrl, DateTimeOffset expires, string baseUrl) => new()
    {
        ["id"] = id,
        ["type"] = "CacheFile",
        ["object"] = videoUrl,
        ["expires"] = ActivityObjects.Iso(expires),
        ["url"] = new JsonObject { ["type"] = "Link", ["mediaType"] = "application/x-mpegURL", ["href"] = baseUrl },
    };

    public async Task AnnounceAsync(int redundancyId, string kind, CancellationToken ct)
    {
        var copy = await db.VideoRedundancies.AsNoTracking().Include(r => r.Video).FirstOrDefaultAsync(r => r.Id == redundancyId && r.MirrorHost == null, ct);
        if (copy?.Video is not { } video || copy.State != RedundancyState.Ready)
        {
            return;
        }

        var cacheFile = CacheFile(copy.Url, objects.VideoUrl(video), copy.ExpiresAt, copy.BaseUrl);
        await SendAsync(video, kind, cacheFile, ct);
    }

    /// <summary>An Undo of a copy that is gone (the row may already be deleted, so the values are passed).</summary>
    public async Task UndoAsync(Video video, string cacheFileUrl, string baseUrl, CancellationToken ct)
    {
        var created = CacheFile(cacheFileUrl, objects.VideoUrl(video), clock.GetUtcNow(), baseUrl);
        await SendAsync(video, "Undo", created, ct);
    }

    private async Task SendAsync(Video video, string kind, JsonObject cacheFile, CancellationToken ct)
    {
        var actor = await local.InstanceActorAsync(ct);
        var stamp = clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var id = $"{cacheFile["id"]}/{kind.ToLowerInvariant()}/{stamp}";
        var activity = objects.Activity(kind, id, actor.Url, cacheFile, actor.FollowersUrl);
        var inboxes = await audience.InboxesAsync(video, ct);
        inboxes.AddRange(await outbox.FollowerInboxesAsync([actor.Id], ct));
        await outbox.SendAsync(actor, activity, inboxes, ct);
    }

    /// <summary>
    /// The origin passes on a copy of one of its videos that it accepted (or its undoing), as its own activity, to the
    /// video's followers but the mirror: they honour copies of a remote video only when its origin vouches for them.
    /// </summary>
    public async Task RelayAsync(Video ourVideo, string kind, JsonElement cacheFile, string mirrorHost, CancellationToken ct)
    {
        var actor = await local.InstanceActorAsync(ct);
        var stamp = clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(cacheFile.String("id") ?? "")))[..16];
        var activity = objects.Activity(kind, instance.Value.Absolute($"/redundancy/relayed/{hash}/{kind.ToLowerInvariant()}/{stamp}"), actor.Url,
            JsonNode.Parse(cacheFile.GetRawText()), actor.FollowersUrl);
        var inboxes = (await audience.InboxesAsync(ourVideo, ct)).Where(i => ActivityJson.HostOf(i) != mirrorHost).ToList();
        await outbox.SendAsync(actor, activity, inboxes, ct);
    }
}
