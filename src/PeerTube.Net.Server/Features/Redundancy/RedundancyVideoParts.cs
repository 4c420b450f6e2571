using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// Copies on other instances (and ours of a remote video): extra sources for the player, in PeerTube's shape
/// (<c>streamingPlaylists[0].redundancies[].baseUrl</c>).
/// </summary>
public sealed class RedundancyDetailsPart(AppDbContext db, TimeProvider clock) : IVideoDetailsPart
{
    public async Task AddToAsync(VideoDetails details, CancellationToken ct)
    {
        if (details.StreamingPlaylist is not { } hls)
        {
            return;
        }

        hls["redundancies"] = (await ReadyCopiesAsync(db, details.Video.Id, clock, ct)).Select(r => new { baseUrl = r.BaseUrl }).ToArray();
    }

    /// <summary>The copies a player may use now, oldest first.</summary>
    public static async Task<List<VideoRedundancy>> ReadyCopiesAsync(AppDbContext db, int videoId, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var copies = await db.VideoRedundancies.AsNoTracking()
            .Where(r => r.VideoId == videoId && r.State == RedundancyState.Ready).ToListAsync(ct);
        // Compared here, not in SQL: SQLite stores the dates as ticks (see SqliteAppDbContext).
        return copies.Where(r => r.ExpiresAt > now).OrderBy(r => r.Id).ToList();
    }
}

/// <summary>Other instances' copies of our videos are web seeds of our torrents.</summary>
internal sealed class RedundancyWebSeeds(AppDbContext db) : Torrents.IWebSeedMirrors
{
    public async Task<IReadOnlyList<string>> BaseUrlsAsync(int videoId, CancellationToken ct) =>
        await db.VideoRedundancies.AsNoTracking()
            .Where(r => r.VideoId == videoId && r.MirrorHost != null && r.State == RedundancyState.Ready)
            .OrderBy(r => r.Id).Select(r => r.BaseUrl).ToListAsync(ct);
}

/// <summary>Our copy of a video goes with the video (its rows go by cascade).</summary>
internal sealed class RedundancyVideoEvents(StoragePaths paths) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        MirrorVideoJob.DeleteDirectory(MirrorVideoJob.Directory(paths, video.Uuid));
        return Task.CompletedTask;
    }
}
