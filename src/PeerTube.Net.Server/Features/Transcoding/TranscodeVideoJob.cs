using Hangfire;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>
/// Moves a video from "to transcode" to "published" (or "failed", with a reason). Safe to run any number of
/// times: it only acts on a video still waiting, takes a lease so that two runs never work on one video at once,
/// rebuilds everything from the source in a fresh work directory, and swaps the result in with one commit.
/// </summary>
public sealed class TranscodeVideoJob(
    AppDbContext db,
    StoragePaths paths,
    VideoTranscoder transcoder,
    Torrents.VideoTorrents torrents,
    Torrents.TorrentCatalogSignal seeder,
    IServiceScopeFactory scopes,
    ITranscodingProgressNotifier progressNotifier,
    IVideoEvents videoEvents,
    IOptions<InstanceOptions> instance,
    RunningTranscodes running,
    TimeProvider clock,
    ILogger<TranscodeVideoJob> log)
{
    /// <summary>Renewed every <see cref="HeartbeatInterval"/>; a crashed node's lease runs out by itself.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);

    /// <summary>Lease owners read "&lt;node&gt;/&lt;boot&gt;/&lt;run&gt;": on start a node drops the leases of its earlier boots.</summary>
    public static readonly string BootId = Guid.NewGuid().ToString("N");

    public const int Retries = 3;

    // Heartbeat ticks (1 s each) between checks that the video still exists and the lease is still ours.
    private const int RowCheckTicks = 2;

    [AutomaticRetry(Attempts = Retries)]
    public async Task RunAsync(int videoId, PerformContext? context, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is null || video.State != VideoState.ToTranscode)
        {
            return;
        }

        var leaseOwner = $"{instance.Value.NodeId}/{BootId}/{Guid.NewGuid():N}";
        if (!await TryTakeLeaseAsync(videoId, leaseOwner, ct))
        {
            log.LogInformation("Video {VideoId} is being transcoded elsewhere; nothing to do", videoId);
            return;
        }

        await progressNotifier.NotifyAsync(TranscodingUpdate.Of(video.Uuid, VideoState.ToTranscode, 0, null), ct);

        // Deleting the video (here, or on another node: the heartbeat sees the row go) stops this run at once.
        using var run = running.Start(videoId, ct);
        var workDirectory = Path.Combine(paths.TranscodeWorkDirectory(video.Uuid), Guid.NewGuid().ToString("N"));
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reporter = new ProgressReporter();
        var heartbeat = HeartbeatAsync(video, leaseOwner, reporter, run, heartbeatStop.Token);
        try
        {
            // Leftovers of an earlier, interrupted run of this video are useless: start clean.
            StorageFiles.DeleteDirectory(paths.TranscodeWorkDirectory(video.Uuid));
            Directory.CreateDirectory(workDirectory);

            var source = video.SourceFilename is null ? null : paths.SourceFile(video.SourceFilename);
            if (source is null || !File.Exists(source))
            {
                await FailAsync(video, leaseOwner, "The uploaded file is missing; please upload the video again.", ct);
                return;
            }

            TranscodeResult result;
            try
            {
                await using var ffmpegLog = new StreamWriter(paths.FfmpegLog(video.Uuid), append: false);
                result = await transcoder.TranscodeAsync(source, workDirectory,
                    makeImages: video.ThumbnailFilename is null || video.PreviewFilename is null, reporter, ffmpegLog, run.Token);
            }
            catch (OperationCanceledException) when (run.Stopped && !ct.IsCancellationRequested)
            {
                log.LogInformation("Video {VideoId} was deleted while it was transcoded; ffmpeg was stopped", videoId);
                return;
            }
            catch (UnreadableMediaException e)
            {
                await FailAsync(video, leaseOwner, $"The video file cannot be read: {e.Message}", ct);
                return;
            }
            catch (MediaRefusedException e)
            {
                await FailAsync(video, leaseOwner, $"The video file is refused ({e.Code}): {e.Message}", ct);
                return;
            }
            catch (FfmpegStoppedException e)
            {
                await FailAsync(video, leaseOwner, e.Message, ct);
                return;
            }
            catch (FfmpegFailedException e)
            {
                log.LogWarning(e, "ffmpeg failed for video {VideoId}", videoId);
                await FailAsync(video, leaseOwner, $"Transcoding failed: {e.Message}", ct);
                return;
            }

            await heartbeatStop.CancelAsync();
            await PublishAsync(video, leaseOwner, result, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && context?.GetJobParameter<int>("RetryCount") >= Retries)
        {
            // Hangfire will not try again: say so on the video rather than leave it waiting forever.
            await FailAsync(video, leaseOwner, $"Transcoding failed after {Retries + 1} attempts: {e.Message}", CancellationToken.None);
            throw;
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
            StorageFiles.DeleteDirectory(paths.TranscodeWorkDirectory(video.Uuid));
            // Hand the lease back if we stop without finishing (shutdown, unexpected error): the next run starts at once.
            await db.Videos.Where(v => v.Id == videoId && v.LeaseOwner == leaseOwner)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.LeaseOwner, (string?)null).SetProperty(v => v.LeaseExpiresAt, (DateTimeOffset?)null),
                    CancellationToken.None);
        }
    }

    private async Task<bool> TryTakeLeaseAsync(int videoId, string owner, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var until = now + LeaseDuration;
        var taken = await db.Videos
            .Where(v => v.Id == videoId && v.State == VideoState.ToTranscode && (v.LeaseOwner == null || v.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.LeaseOwner, owner)
                .SetProperty(v => v.LeaseExpiresAt, until)
                .SetProperty(v => v.TranscodingProgress, 0), ct);
        return taken == 1;
    }

    /// <summary>
    /// Keeps the lease alive and writes progress, from its own scope (the job's context is busy elsewhere). Progress is
    /// written, and pushed to subscribers, only when its whole percentage changes, at most once per tick.
    /// </summary>
    private async Task HeartbeatAsync(Video video, string owner, ProgressReporter reporter, RunningTranscodes.Run run, CancellationToken ct)
    {
        var videoId = video.Id;
        await using var scope = scopes.CreateAsyncScope();
        var heartbeatDb = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var lastRenewal = clock.GetUtcNow();
        // The lease was taken with progress 0.
        int? lastProgress = 0;
        var ticks = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), clock, ct);
                var now = clock.GetUtcNow();
                var progress = reporter.Percent;
                if (progress != lastProgress)
                {
                    var written = await heartbeatDb.Videos.Where(v => v.Id == videoId && v.LeaseOwner == owner)
                        .ExecuteUpdateAsync(s => s.SetProperty(v => v.TranscodingProgress, progress), ct);
                    lastProgress = progress;
                    if (written == 1)
                    {
                        await progressNotifier.NotifyAsync(TranscodingUpdate.Of(video.Uuid, VideoState.ToTranscode, progress, null), ct);
                    }
                }

                // The row gone (deleted, maybe on another node) or the lease lost: nobody wants this output any more.
                if (++ticks % RowCheckTicks == 0
                    && !await heartbeatDb.Videos.AnyAsync(v => v.Id == videoId && v.LeaseOwner == owner, ct))
                {
                    run.Stop();
                }

                if (now - lastRenewal >= HeartbeatInterval)
                {
                    await heartbeatDb.Videos.Where(v => v.Id == videoId && v.LeaseOwner == owner)
                        .ExecuteUpdateAsync(s => s.SetProperty(v => v.LeaseExpiresAt, now + LeaseDuration), ct);
                    lastRenewal = now;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped by the job: expected.
        }
    }

    private async Task PublishAsync(Video snapshot, string leaseOwner, TranscodeResult result, CancellationToken ct)
    {
        var finalDirectory = paths.HlsDirectory(snapshot.Uuid);
        // A directory here can only be the output of an interrupted run that never committed.
        StorageFiles.DeleteDirectory(finalDirectory);
        Directory.Move(result.HlsDirectory, finalDirectory);

        string? thumbnail = null, preview = null;
        if (result.ThumbnailPath is not null && snapshot.ThumbnailFilename is null)
        {
            thumbnail = $"{Guid.NewGuid()}.jpg";
            File.Move(result.ThumbnailPath, Path.Combine(paths.Thumbnails, thumbnail));
        }

        if (result.PreviewPath is not null && snapshot.PreviewFilename is null)
        {
            preview = $"{Guid.NewGuid()}.jpg";
            File.Move(result.PreviewPath, Path.Combine(paths.Previews, preview));
        }

        // Torrents exist before the video is published, so torrentUrl is filled from the first moment it is visible.
        var files = result.Renditions.Select(r => new VideoFile
        {
            Resolution = r.Resolution,
            Width = r.Width,
            Height = r.Height,
            Fps = r.Fps,
            Size = r.Size,
            Filename = r.Filename,
            PlaylistFilename = r.PlaylistFilename,
            HasAudio = r.HasAudio,
            HasVideo = r.HasVideo,
        }).ToList();
        foreach (var file in files)
        {
            (file.TorrentFilename, file.InfoHash) = await torrents.CreateAsync(snapshot, file, Path.Combine(finalDirectory, file.Filename), ct);
        }

        var committed = false;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            var video = await db.Videos.FirstOrDefaultAsync(v => v.Id == snapshot.Id, ct);
            if (video is { State: VideoState.ToTranscode } && video.LeaseOwner == leaseOwner)
            {
                var now = clock.GetUtcNow();
                db.StreamingPlaylists.Add(new VideoStreamingPlaylist
                {
                    VideoId = video.Id,
                    PlaylistFilename = result.MasterFilename,
                    SegmentsSha256Filename = result.SegmentsSha256Filename,
                    Files = files,
                });
                video.State = VideoState.Published;
                video.TranscodingProgress = 100;
                video.FailureReason = null;
                video.Duration = (int)Math.Round(result.Duration.TotalSeconds);
                video.AspectRatio = result.AspectRatio;
                video.ThumbnailFilename ??= thumbnail;
                video.PreviewFilename ??= preview;
                video.LeaseOwner = null;
                video.LeaseExpiresAt = null;
                video.SourceFilename = null;
                video.PublishedAt = now;
                video.UpdatedAt = now;
                videoEvents.Record(video.Id, VideoChange.Published);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                committed = true;
            }
        }

        if (!committed)
        {
            // Deleted or taken over while we worked: what we made belongs to nobody.
            log.LogInformation("Video {VideoId} changed while it was transcoded; discarding the output", snapshot.Id);
            StorageFiles.DeleteDirectory(finalDirectory);
            StorageFiles.DeleteFile(thumbnail is null ? null : Path.Combine(paths.Thumbnails, thumbnail));
            StorageFiles.DeleteFile(preview is null ? null : Path.Combine(paths.Previews, preview));
            foreach (var file in files)
            {
                StorageFiles.DeleteFile(file.TorrentFilename is null ? null : Path.Combine(paths.Torrents, file.TorrentFilename));
            }

            return;
        }

        // The source and the work files are no longer referenced: gone before anyone hears the video is published (if we
        // crash before this line, the start-up sweep removes them).
        StorageFiles.DeleteFile(snapshot.SourceFilename is null ? null : paths.SourceFile(snapshot.SourceFilename));
        StorageFiles.DeleteDirectory(paths.TranscodeWorkDirectory(snapshot.Uuid));

        // New torrents to seed: now, not at the seeder's next catalog poll.
        seeder.CatalogChanged();
        await videoEvents.RaiseRecordedAsync(CancellationToken.None);
        await progressNotifier.NotifyAsync(TranscodingUpdate.Of(snapshot.Uuid, VideoState.Published, 100, null), CancellationToken.None);
        log.LogInformation("Video {VideoId} published with {Count} renditions", snapshot.Id, result.Renditions.Count);
    }

    private async Task FailAsync(Video video, string leaseOwner, string reason, CancellationToken ct)
    {
        var videoId = video.Id;
        log.LogWarning("Video {VideoId} failed to transcode: {Reason}", videoId, reason);
        var failed = await db.Videos.Where(v => v.Id == videoId && v.LeaseOwner == leaseOwner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(v => v.State, VideoState.TranscodingFailed)
                .SetProperty(v => v.FailureReason, reason)
                .SetProperty(v => v.TranscodingProgress, (int?)null)
                .SetProperty(v => v.LeaseOwner, (string?)null)
                .SetProperty(v => v.LeaseExpiresAt, (DateTimeOffset?)null), ct);
        if (failed == 1)
        {
            await progressNotifier.NotifyAsync(TranscodingUpdate.Of(video.Uuid, VideoState.TranscodingFailed, null, reason), ct);
        }
    }

    private sealed class ProgressReporter : IProgress<double>
    {
        private int _percent;
        public int Percent => Volatile.Read(ref _percent);
        public void Report(double value) => Volatile.Write(ref _percent, (int)Math.Clamp(value, 0, 99));
    }
}
