using Hangfire;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>
/// Makes every rendition of a published video have a current torrent: missing ones are created, stale ones (the
/// privacy changed, so the web seeds and the salt did) are replaced and their files deleted. Safe to run any number of times.
/// </summary>
public sealed class CreateTorrentsJob(AppDbContext db, VideoTorrents torrents, StoragePaths paths, TorrentCatalogSignal seeder,
    IEnumerable<IWebSeedMirrors> mirrorSources, ILogger<CreateTorrentsJob> log)
{
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(int videoId, CancellationToken ct)
    {
        var video = await db.Videos.Include(v => v.StreamingPlaylist!).ThenInclude(p => p.Files)
            .FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is not { State: VideoState.Published, StreamingPlaylist: { } playlist })
        {
            return;
        }

        var mirrors = new List<string>();
        foreach (var source in mirrorSources)
        {
            mirrors.AddRange(await source.BaseUrlsAsync(video.Id, ct));
        }

        var replaced = new List<string>();
        foreach (var file in playlist.Files.Where(f => !torrents.IsCurrent(video, f, mirrors)))
        {
            var media = Path.Combine(paths.HlsDirectory(video.Uuid), file.Filename);
            if (!File.Exists(media))
            {
                log.LogWarning("Cannot make a torrent for {File}: the media file is missing", media);
                continue;
            }

            if (file.TorrentFilename is not null)
            {
                replaced.Add(file.TorrentFilename);
            }

            (file.TorrentFilename, file.InfoHash) = await torrents.CreateAsync(video, file, media, ct, mirrors);
        }

        await db.SaveChangesAsync(ct);
        seeder.CatalogChanged();
        foreach (var old in replaced)
        {
            StorageFiles.DeleteFile(Path.Combine(paths.Torrents, old));
        }
    }
}

public sealed class TorrentsQueue(IBackgroundJobClient jobs, TorrentCatalogSignal seeder, JobStorage storage, TimeProvider clock)
{
    public string Enqueue(int videoId) =>
        jobs.Create<CreateTorrentsJob>(j => j.RunAsync(videoId, CancellationToken.None), new Hangfire.States.EnqueuedState(JobsExtensions.DefaultQueue));

    /// <summary>
    /// Call once the video's new privacy and <see cref="Video.TorrentSalt"/> are saved. A video made private or
    /// internal leaves the catalog at that moment, so the seeder and the tracker are told now rather than when the job
    /// has made the new torrents (which then replace the old ones, old info-hashes and files gone).
    /// </summary>
    public string PrivacyChanged(int videoId)
    {
        seeder.CatalogChanged();
        return Enqueue(videoId);
    }

    /// <summary>
    /// A rebuild in <paramref name="delay"/>, unless one is already waiting: what other instances cause (their copies
    /// change the web seeds) rebuilds a video's torrents at most once per <paramref name="delay"/>, however often they
    /// send. The due time is kept in Hangfire's storage, so every node of a cluster sees it.
    /// </summary>
    public void EnqueueDebounced(int videoId, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Enqueue(videoId);
            return;
        }

        var key = "torrents-rebuild:" + videoId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var now = clock.GetUtcNow();
        using (var connection = storage.GetConnection())
        using (connection.AcquireDistributedLock(key + ":lock", TimeSpan.FromSeconds(10)))
        {
            var entries = connection.GetAllEntriesFromHash(key);
            if (entries is not null && entries.TryGetValue("due", out var due)
                && long.TryParse(due, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var dueMs)
                && dueMs > now.ToUnixTimeMilliseconds())
            {
                return;
            }

            connection.SetRangeInHash(key, [new("due", now.Add(delay).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }

        jobs.Create<CreateTorrentsJob>(j => j.RunAsync(videoId, CancellationToken.None), new Hangfire.States.ScheduledState(delay));
    }
}
