using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// CacheFiles other instances send. A copy of one of our videos is honoured from the mirror itself, when
/// <see cref="RedundancyOptions.AcceptFrom"/> allows that mirror, and then passed on to our followers; a copy of a
/// remote video is honoured only when its origin passes it on (the origin applied its own policy).
/// </summary>
public sealed class CacheFileInbox(AppDbContext db, Federation.Inbound.ActivityVideos videos, CacheFileAnnouncer announcer, Torrents.TorrentsQueue torrents,
    IOptions<RedundancyOptions> options, IOptions<InstanceOptions> instance, TimeProvider clock)
{
    public async Task<string?> ReceiveAsync(JsonElement cacheFile, Actor signer, bool undo, CancellationToken ct)
    {
        var id = cacheFile.String("id");
        var videoUrl = cacheFile.Id("object");
        var href = cacheFile.ValueKind == JsonValueKind.Object && cacheFile.TryProperty("url", out var url)
            ? (url.ValueKind == JsonValueKind.Array ? url.EnumerateArray().FirstOrDefault(u => u.String("mediaType") == "application/x-mpegURL") : url).String("href")
            : null;
        var mirrorHost = ActivityJson.HostOf(id);
        if (id is null || mirrorHost is null || (!undo && (href is null || ActivityJson.HostOf(href) != mirrorHost || !href.StartsWith("http", StringComparison.Ordinal))))
        {
            return "a CacheFile needs an id and its files on the mirror's host";
        }

        if (mirrorHost == instance.Value.Host)
        {
            return null; // Our own copy, told back to us.
        }

        var video = await videos.ByUrlAsync(videoUrl, ct);
        if (video is null)
        {
            // An Undo may carry only the CacheFile's id.
            var known = undo ? await db.VideoRedundancies.Include(r => r.Video).FirstOrDefaultAsync(r => r.Url == id && r.MirrorHost == mirrorHost, ct) : null;
            video = known?.Video;
            if (video is null)
            {
                return "the CacheFile is of a video we do not know";
            }
        }

        if (video.IsLocal)
        {
            if (signer.Host != mirrorHost)
            {
                return "a copy of our video is announced by its mirror only";
            }

            if (!await AcceptsAsync(mirrorHost, ct))
            {
                return $"copies from {mirrorHost} are not accepted (Redundancy:AcceptFrom={options.Value.AcceptFrom})";
            }
        }
        else if (signer.Host != ActivityJson.HostOf(video.RemoteUrl))
        {
            return "a copy of a remote video is honoured only when its origin passes it on";
        }

        // One copy per mirror host and video: a host that sends many CacheFiles (new ids each time) replaces its one row.
        var row = undo
            ? await db.VideoRedundancies.FirstOrDefaultAsync(r => r.Url == id && r.MirrorHost == mirrorHost && r.VideoId == video.Id, ct)
            : await db.VideoRedundancies.OrderBy(r => r.Id).FirstOrDefaultAsync(r => r.MirrorHost == mirrorHost && r.VideoId == video.Id, ct);
        if (undo)
        {
            if (row is not null)
            {
                db.VideoRedundancies.Remove(row);
                await db.SaveChangesAsync(ct);
            }
        }
        else
        {
            var now = clock.GetUtcNow();
            if (row is null)
            {
                row = new VideoRedundancy { VideoId = video.Id, Url = id, BaseUrl = href!, MirrorHost = mirrorHost, CreatedAt = now, State = RedundancyState.Ready };
                db.VideoRedundancies.Add(row);
            }

            row.Url = id;
            row.BaseUrl = href!.TrimEnd('/');
            row.ExpiresAt = cacheFile.Date("expires") is { } expires && expires > now ? expires : now.AddDays(1);
            await db.SaveChangesAsync(ct);
        }

        if (video.IsLocal)
        {
            // The copy is a web seed of our torrents; rebuilt at most once a while, however often mirrors write.
            torrents.EnqueueDebounced(video.Id, TimeSpan.FromSeconds(options.Value.TorrentRebuildDelaySeconds));
            await announcer.RelayAsync(video, undo ? "Undo" : "Create", cacheFile, mirrorHost, ct);
        }

        return null;
    }

    private async Task<bool> AcceptsAsync(string host, CancellationToken ct) => options.Value.AcceptFrom switch
    {
        "anybody" => true,
        "followings" => await db.ActorFollows.AnyAsync(f => f.State == FollowState.Accepted && f.Follower!.Host == null && f.Target!.Host == host, ct),
        _ => false,
    };
}

/// <summary>CacheFile: a copy made, changed (Create, Update) or dropped (Undo of the CacheFile or of its Create).</summary>
internal sealed class CacheFileHandler(CacheFileInbox cacheFiles) : Federation.Inbound.IActivityHandler
{
    public bool Handles(string type, string? objectType) =>
        (type is "Create" or "Update" && objectType == "CacheFile") || (type == "Undo" && objectType is "CacheFile" or "Create");

    public async Task<Federation.Inbound.ActivityResult> HandleAsync(Federation.Inbound.InboundActivity activity, CancellationToken ct)
    {
        var obj = activity.Object;
        if (activity.Type != "Undo")
        {
            return Federation.Inbound.ActivityResult.From(await cacheFiles.ReceiveAsync(obj, activity.Signer, undo: false, ct));
        }

        if (obj.Type() == "Create")
        {
            if (!obj.TryProperty("object", out var created) || created.Type() != "CacheFile")
            {
                return Federation.Inbound.ActivityResult.Pass;
            }

            obj = created;
        }

        return Federation.Inbound.ActivityResult.From(await cacheFiles.ReceiveAsync(obj, activity.Signer, undo: true, ct));
    }
}
