using System.Globalization;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Server.Features.Transcoding;
using PeerTube.Net.Server.Features.Uploads;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// Turns the kept segments of one ended session into a replay (PeerTube's video-live-ending job). The stream's fMP4
/// files were moved to <see cref="WorkDirectory"/> when the session ended (in the commit that queued this job); here
/// they are joined (the init segment, then the fragments in order, is one fragmented MP4), remuxed without re-encoding
/// into the sources folder, and handed to transcoding like an upload: a normal live becomes its own replay (same video,
/// no longer live, "to transcode", the replay privacy); a permanent live gets a new video per session and waits again.
/// Safe to run any number of times: the session's ReplayVideoId says it is done, the work folder is only removed after
/// the commit, and a live (or session) deleted meanwhile leaves the folder to be removed and nothing else.
/// </summary>
public sealed class SaveReplayJob(
    AppDbContext db,
    StoragePaths paths,
    FfmpegRunner runner,
    MediaProber prober,
    TransactionalJobs jobs,
    VideoIntake intake,
    IVideoEvents videoEvents,
    TimeProvider clock,
    ILogger<SaveReplayJob> log)
{
    public const int Retries = 3;

    // A video name's longest (VideoUploadMetadata; PeerTube's CONSTRAINTS_FIELDS.VIDEOS.NAME.max).
    private const int NameMaxLength = 120;

    /// <summary>Where a session's segments wait for this job (storage tmp/replays/&lt;session&gt;).</summary>
    public static string WorkDirectory(StoragePaths paths, int sessionId) =>
        Path.Combine(paths.Tmp, "replays", sessionId.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Moves a stream's init and media segments out of its live HLS folder (which is then removed) and queues this job,
    /// both in the caller's unit of work: call before the commit that ends the session. Files already moved by an
    /// earlier, uncommitted attempt stay where they are.
    /// </summary>
    internal static void KeepSegmentsAndQueue(StoragePaths paths, TransactionalJobs jobs, string hlsDirectory, int sessionId)
    {
        var target = WorkDirectory(paths, sessionId);
        Directory.CreateDirectory(target);
        if (Directory.Exists(hlsDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(hlsDirectory, "*.mp4"))
            {
                File.Move(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
            }
        }

        jobs.Enqueue<SaveReplayJob>(j => j.RunAsync(sessionId, CancellationToken.None), JobsExtensions.DefaultQueue);
    }

    [AutomaticRetry(Attempts = Retries)]
    public async Task RunAsync(int sessionId, CancellationToken ct)
    {
        var work = WorkDirectory(paths, sessionId);
        var session = await db.LiveSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        var live = session is null ? null : await db.LiveVideos.AsNoTracking().Where(l => l.VideoId == session.VideoId)
            .Select(l => new { l.PermanentLive, OwnerUserId = l.Video!.Channel!.Account!.UserId }).FirstOrDefaultAsync(ct);
        if (session is null || live is null || session.ReplayVideoId is not null || !session.SaveReplay)
        {
            // Deleted while we waited, or done by an earlier run: the segments belong to nobody.
            StorageFiles.DeleteDirectory(work);
            return;
        }

        var segments = Segments(work);
        if (segments is null)
        {
            log.LogInformation("Session {SessionId} of live {VideoId} has no segments; no replay", sessionId, session.VideoId);
            StorageFiles.DeleteDirectory(work);
            return;
        }

        var replayFile = await AssembleAsync(work, segments, session.VideoId, ct);
        var size = new FileInfo(replayFile).Length;
        if (live.OwnerUserId is { } owner && !(await intake.AllowanceAsync(owner, ct)).FitsQuota(size))
        {
            // PeerTube's rule: a replay counts against the quota like an upload. Too large: no replay, and the session says why.
            log.LogWarning("Replay of session {SessionId} ({Size} bytes) exceeds the quota of user {UserId}; not saved", sessionId, size, owner);
            await db.LiveSessions.Where(s => s.Id == sessionId && s.Error == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Error, LiveErrors.QuotaExceeded), ct);
            StorageFiles.DeleteDirectory(work);
            return;
        }

        MediaInfo probe;
        try
        {
            probe = await prober.ProbeAsync(replayFile, ct);
        }
        catch (UnreadableMediaException e)
        {
            log.LogWarning(e, "Replay of session {SessionId} cannot be read; not saved", sessionId);
            StorageFiles.DeleteDirectory(work);
            return;
        }

        var sourceFilename = $"{Guid.NewGuid()}.mp4";
        var sourcePath = paths.SourceFile(sourceFilename);
        File.Move(replayFile, sourcePath);
        int? replayId;
        try
        {
            replayId = await CommitReplayAsync(sessionId, sourceFilename, size, probe, ct);
        }
        catch
        {
            StorageFiles.DeleteFile(sourcePath);
            throw;
        }

        if (replayId is null)
        {
            log.LogInformation("Live {VideoId} changed while its replay was made; discarding it", session.VideoId);
            StorageFiles.DeleteFile(sourcePath);
        }
        else
        {
            await videoEvents.RaiseRecordedAsync(CancellationToken.None);
            log.LogInformation("Session {SessionId} of live {VideoId} saved as video {ReplayId} ({Size} bytes), queued for transcoding",
                sessionId, session.VideoId, replayId, size);
        }

        StorageFiles.DeleteDirectory(work);
    }

    /// <summary>The init segment, then the media segments in order; null when there is nothing to make a replay of.</summary>
    private static List<string>? Segments(string work)
    {
        if (!Directory.Exists(work))
        {
            return null;
        }

        // A ladder writes <prefix>-<variant>-…: the replay is made of variant 0, the highest rendition.
        var files = Directory.EnumerateFiles(work, "*.mp4").Select(Path.GetFileName).OfType<string>()
            .Where(f => f.Split('-') is [_, "0", ..]).ToList();
        var init = files.Where(f => f.EndsWith("-init.mp4", StringComparison.Ordinal)).ToList();
        // Named <prefix>-0-<six digits>.mp4 by ffmpeg: ordinal order is stream order.
        var media = files.Where(f => !f.EndsWith("-init.mp4", StringComparison.Ordinal) && !f.StartsWith("replay", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        return init.Count == 1 && media.Count > 0 ? [init[0], .. media] : null;
    }

    /// <summary>Joins the segments, then remuxes them (no re-encode) into a plain MP4 whose duration any prober reads.</summary>
    private async Task<string> AssembleAsync(string work, List<string> segments, int videoId, CancellationToken ct)
    {
        var joined = Path.Combine(work, "replay-joined.mp4");
        var output = Path.Combine(work, "replay.mp4");
        await using (var target = new FileStream(joined, FileMode.Create, FileAccess.Write))
        {
            foreach (var segment in segments)
            {
                await using var source = File.OpenRead(Path.Combine(work, segment));
                await source.CopyToAsync(target, ct);
            }
        }

        string[] arguments = ["-hide_banner", "-nostdin", "-y", "-loglevel", "warning", "-i", joined, "-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4", output];
        var video = await db.Videos.AsNoTracking().Where(v => v.Id == videoId).Select(v => v.Uuid).FirstAsync(ct);
        await using (var ffmpegLog = new StreamWriter(paths.FfmpegLog(video), append: false))
        {
            await runner.RunAsync(arguments, TimeSpan.Zero, null, ffmpegLog, ct);
        }

        File.Delete(joined);
        return output;
    }

    /// <summary>In one commit: the replay video (the live itself, or a new one for a permanent live), the session's link to it, its transcoding job.</summary>
    /// <returns>The replay's id; null when the live or the session went away, or another run got there first.</returns>
    private async Task<int?> CommitReplayAsync(int sessionId, string sourceFilename, long size, MediaInfo probe, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var session = await db.LiveSessions.FirstOrDefaultAsync(s => s.Id == sessionId, ct);
        var live = session is null ? null : await db.LiveVideos.Include(l => l.Video).FirstOrDefaultAsync(l => l.VideoId == session.VideoId, ct);
        if (session is null || session.ReplayVideoId is not null || live?.Video is not { } liveVideo)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var privacy = session.ReplayPrivacy ?? live.ReplayPrivacy ?? liveVideo.Privacy;
        Video replay;
        if (live.PermanentLive)
        {
            // PeerTube names it after the live and the session's date; the live waits for its next stream with the same key.
            var suffix = $" - {session.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC";
            var name = liveVideo.Name.Length + suffix.Length > NameMaxLength
                ? liveVideo.Name[..(NameMaxLength - suffix.Length)] + suffix
                : liveVideo.Name + suffix;
            replay = new Video
            {
                Uuid = Guid.NewGuid(),
                Name = name,
                Description = liveVideo.Description,
                Support = liveVideo.Support,
                ChannelId = liveVideo.ChannelId,
                Category = liveVideo.Category,
                Licence = liveVideo.Licence,
                Language = liveVideo.Language,
                Tags = [.. liveVideo.Tags],
                Nsfw = liveVideo.Nsfw,
                DownloadEnabled = liveVideo.DownloadEnabled,
                CommentsPolicy = liveVideo.CommentsPolicy,
                CreatedAt = now,
                PublishedAt = now,
            };
            db.Videos.Add(replay);
            if (privacy == VideoPrivacy.PasswordProtected)
            {
                foreach (var password in await db.VideoPasswords.Where(p => p.VideoId == liveVideo.Id).Select(p => p.Password).ToListAsync(ct))
                {
                    db.VideoPasswords.Add(new VideoPassword { Video = replay, Password = password, CreatedAt = now, UpdatedAt = now });
                }
            }
        }
        else
        {
            // The live is over for good: the video is now its replay, as on PeerTube (the live settings go).
            replay = liveVideo;
            replay.IsLive = false;
            db.LiveVideos.Remove(live);
            if (privacy != replay.Privacy)
            {
                videoEvents.Record(replay.Id, VideoChange.Updated | VideoChange.PrivacyChanged);
            }
        }

        replay.Privacy = privacy;
        replay.State = VideoState.ToTranscode;
        replay.WaitTranscoding = true;
        replay.TranscodingProgress = 0;
        replay.FailureReason = null;
        replay.SourceFilename = sourceFilename;
        replay.SourceSize = size;
        replay.SourceResolution = probe.Video is { } v ? Math.Min(v.Width, v.Height) : 0;
        replay.SourceWidth = probe.Video?.Width;
        replay.SourceHeight = probe.Video?.Height;
        replay.SourceFps = probe.Video?.Fps;
        replay.OriginalFilename = "replay.mp4";
        replay.UpdatedAt = now;
        session.ReplayVideo = replay;
        await db.SaveChangesAsync(ct);

        var replayId = replay.Id;
        jobs.Enqueue<TranscodeVideoJob>(j => j.RunAsync(replayId, null, CancellationToken.None), JobsExtensions.TranscodingQueue);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return replayId;
    }
}
