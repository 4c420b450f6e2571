using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Features.Uploads;

/// <summary>
/// What both upload protocols share: the checks before any byte is kept, and the checks after the bytes are in
/// (ffprobe) before a video exists. A rejected upload leaves nothing behind.
/// </summary>
public sealed class VideoIntake(
    AppDbContext db,
    MediaProber prober,
    FfmpegRunner runner,
    StoragePaths paths,
    UserService users,
    TranscodingQueue queue,
    UploadQuotaGate quotaGate,
    IOptions<UploadsOptions> options,
    IOptions<TranscodingOptions> transcoding,
    IBlockedVideos blocked,
    TimeProvider clock,
    ILogger<VideoIntake> log)
{
    public static ApiProblem UnsupportedType(string? filename) => new(415,
        $"This file is not supported ('{Path.GetExtension(filename ?? "")}'). Please make sure it is of the following type: "
        + string.Join(", ", VideoConstants.UploadExtensions), "unsupported_media_type");

    public async Task<VideoChannel> CheckMetadataAsync(VideoUploadMetadata metadata, int userId, string? filename, CancellationToken ct)
    {
        var errors = new Dictionary<string, string>();
        metadata.Validate(errors);
        if (errors.Count > 0)
        {
            throw new ApiProblemException(ApiProblem.InvalidParams(errors));
        }

        if (filename is not null && !VideoConstants.UploadExtensions.Contains(Path.GetExtension(filename)))
        {
            throw new ApiProblemException(UnsupportedType(filename));
        }

        var channel = await VideoAccess.ChannelOfAsync(db, metadata.ChannelId, userId, ct);
        return channel;
    }

    /// <summary>
    /// How many more bytes this user may upload, and which limit binds. Open resumable sessions hold their declared
    /// size until they complete, are cancelled or expire, so sessions opened side by side cannot share the same room.
    /// </summary>
    /// <param name="countOpenSessions">
    /// False for a session that completes: its room was granted when it opened, so it competes only with what is stored
    /// (other sessions' reservations are promises, not bytes; each of them is checked the same way when it completes).
    /// </param>
    public async Task<UploadAllowance> AllowanceAsync(int userId, CancellationToken ct, bool countOpenSessions = true)
    {
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        var max = options.Value.MaxFileSizeBytes;
        long? quotaLeft = null;
        if (user.VideoQuota < 0 && user.VideoQuotaDaily < 0)
        {
            return new UploadAllowance(max, null);
        }

        var now = clock.GetUtcNow();
        var reserved = countOpenSessions
            ? await db.ResumableUploads.Where(u => u.UserId == userId && u.VideoId == null && u.ExpiresAt > now).SumAsync(u => u.ContentLength, ct)
            : 0;
        if (user.VideoQuota >= 0)
        {
            quotaLeft = Math.Max(0, user.VideoQuota - await users.QuotaUsedAsync(userId, ct) - reserved);
        }

        if (user.VideoQuotaDaily >= 0)
        {
            var since = now.AddDays(-1);
            var today = await db.Videos.Where(v => v.Channel!.Account!.UserId == userId && v.CreatedAt > since).SumAsync(v => v.SourceSize, ct);
            quotaLeft = Math.Min(quotaLeft ?? long.MaxValue, Math.Max(0, user.VideoQuotaDaily - today - reserved));
        }

        return new UploadAllowance(max, quotaLeft);
    }

    /// <summary>
    /// Checks the whole file against the quota as it is now, and creates the video, as one step per user
    /// (<see cref="UploadQuotaGate"/>): the last check before the bytes count, so a race at completion cannot pass it.
    /// </summary>
    /// <param name="completesSession">True for the last chunk of a resumable session (see <see cref="AllowanceAsync"/>).</param>
    public Task<Video> AcceptWithinQuotaAsync(int userId, bool completesSession, string uploadedFile, string originalFilename, VideoUploadMetadata metadata,
        VideoChannel channel, string? thumbnailFile, string? previewFile, CancellationToken ct) =>
        quotaGate.RunAsync(db, userId, async () =>
        {
            (await AllowanceAsync(userId, ct, countOpenSessions: !completesSession)).Check(new FileInfo(uploadedFile).Length);
            return await AcceptAsync(uploadedFile, originalFilename, metadata, channel, thumbnailFile, previewFile, ct);
        }, ct);

    /// <summary>Runs <paramref name="reserve"/> (which opens a session) only if <paramref name="size"/> fits, as one step per user.</summary>
    public Task<T> ReserveWithinQuotaAsync<T>(int userId, long size, Func<Task<T>> reserve, CancellationToken ct) =>
        quotaGate.RunAsync(db, userId, async () =>
        {
            (await AllowanceAsync(userId, ct)).Check(size);
            return await reserve();
        }, ct);

    public async Task<Video> AcceptAsync(string uploadedFile, string originalFilename, VideoUploadMetadata metadata, VideoChannel channel,
        string? thumbnailFile, string? previewFile, CancellationToken ct)
    {
        var size = new FileInfo(uploadedFile).Length;
        if (size == 0)
        {
            throw new ApiProblemException(new ApiProblem(422, "The video file is empty.", "video_file_empty"));
        }

        MediaInfo probe;
        try
        {
            probe = await prober.ProbeAsync(uploadedFile, ct);
            // Transcoding:Limits, before anything is kept or queued.
            transcoding.Value.Limits.ToMediaLimits().Check(probe);
        }
        catch (UnreadableMediaException e)
        {
            throw new ApiProblemException(new ApiProblem(422, $"Video file unreadable: {e.Message}", "video_file_unreadable"));
        }
        catch (MediaRefusedException e)
        {
            throw new ApiProblemException(new ApiProblem(422, e.Message, e.Code));
        }

        var uuid = Guid.NewGuid();
        var thumbnail = await StoreImageAsync(thumbnailFile, paths.Thumbnails, VideoTranscoder.ThumbnailWidth, VideoTranscoder.ThumbnailHeight, "thumbnailfile", ct);
        var preview = await StoreImageAsync(previewFile, paths.Previews, VideoTranscoder.PreviewWidth, VideoTranscoder.PreviewHeight, "previewfile", ct);

        var extension = Path.GetExtension(originalFilename).ToLowerInvariant();
        var sourceFilename = $"{uuid}{(extension.Length is > 1 and <= 8 ? extension : ".bin")}";
        var sourcePath = paths.SourceFile(sourceFilename);
        File.Move(uploadedFile, sourcePath);

        var now = clock.GetUtcNow();
        var video = new Video
        {
            Uuid = uuid,
            Name = metadata.Name!.Trim(),
            Description = metadata.Description,
            Support = metadata.Support,
            ChannelId = channel.Id,
            Privacy = (VideoPrivacy)(metadata.Privacy ?? (int)VideoPrivacy.Public),
            Category = metadata.Category,
            Licence = metadata.Licence,
            Language = metadata.Language,
            Tags = metadata.Tags ?? [],
            Nsfw = metadata.Nsfw ?? false,
            WaitTranscoding = metadata.WaitTranscoding ?? false,
            DownloadEnabled = metadata.DownloadEnabled ?? true,
            CommentsPolicy = metadata.CommentsPolicy ?? (metadata.CommentsEnabled == false ? 2 : 1),
            OriginallyPublishedAt = metadata.OriginallyPublishedAt,
            ScheduledUpdateAt = metadata.ScheduleUpdate?.UpdateAt,
            ScheduledPrivacy = metadata.ScheduleUpdate?.UpdateAt is null ? null : (VideoPrivacy)(metadata.ScheduleUpdate.Privacy ?? (int)VideoPrivacy.Public),
            State = VideoState.ToTranscode,
            TranscodingProgress = 0,
            SourceFilename = sourceFilename,
            SourceSize = size,
            SourceResolution = probe.Video is { } v ? Math.Min(v.Width, v.Height) : 0,
            SourceWidth = probe.Video?.Width,
            SourceHeight = probe.Video?.Height,
            SourceFps = probe.Video?.Fps,
            OriginalFilename = Path.GetFileName(originalFilename),
            ThumbnailFilename = thumbnail,
            PreviewFilename = preview,
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = now,
        };

        try
        {
            db.Videos.Add(video);
            if (video.Privacy == VideoPrivacy.PasswordProtected)
            {
                foreach (var password in metadata.VideoPasswords ?? [])
                {
                    db.Add(new VideoPassword { Video = video, Password = password, CreatedAt = now, UpdatedAt = now });
                }
            }

            await blocked.HoldIfNeededAsync(video, ct);

            await db.SaveChangesAsync(ct);
        }
        catch
        {
            StorageFiles.DeleteFile(sourcePath);
            StorageFiles.DeleteFile(thumbnail is null ? null : Path.Combine(paths.Thumbnails, thumbnail));
            StorageFiles.DeleteFile(preview is null ? null : Path.Combine(paths.Previews, preview));
            throw;
        }

        queue.Enqueue(video.Id);
        log.LogInformation("Video {VideoId} ({Uuid}) uploaded, {Size} bytes, queued for transcoding", video.Id, video.Uuid, size);
        return video;
    }

    /// <summary>Creator-supplied images are re-encoded to our sizes; an unreadable one is refused.</summary>
    private async Task<string?> StoreImageAsync(string? file, string directory, int width, int height, string field, CancellationToken ct)
    {
        if (file is null)
        {
            return null;
        }

        var name = $"{Guid.NewGuid()}.jpg";
        var target = Path.Combine(directory, name);
        try
        {
            // Re-encoding is the check: ffprobe's video rules (a duration, …) do not fit still images.
            await runner.RunAsync(ImageCommands.BuildFrameGrab(file, target, TimeSpan.Zero, width, height), TimeSpan.Zero, null, null, ct);
            if (!File.Exists(target) || new FileInfo(target).Length == 0)
            {
                throw new FfmpegFailedException(0, ["ffmpeg produced no image."]);
            }

            return name;
        }
        catch (FfmpegFailedException)
        {
            StorageFiles.DeleteFile(target);
            throw new ApiProblemException(ApiProblem.InvalidParams(new Dictionary<string, string> { [field] = "This image cannot be read." }));
        }
    }
}

public sealed record UploadAllowance(long MaxFileSize, long? QuotaLeft)
{
    /// <summary>Refuses a declared or measured size with PeerTube's 413 codes, stating the size and what is left.</summary>
    public void Check(long size)
    {
        CheckMaxFileSize(size, measuredInFull: true);
        if (!FitsQuota(size))
        {
            throw new ApiProblemException(new ApiProblem(413,
                $"The video quota is exceeded with this video ({size} bytes, {QuotaLeft} bytes left).", "quota_reached"));
        }
    }

    public bool FitsQuota(long size) => QuotaLeft is not { } left || size <= left;

    /// <param name="measuredInFull">False while streaming: <paramref name="size"/> is only what has arrived so far.</param>
    public void CheckMaxFileSize(long size, bool measuredInFull)
    {
        if (size > MaxFileSize)
        {
            throw new ApiProblemException(new ApiProblem(413, measuredInFull
                ? $"The file is too large: {size} bytes exceeds the maximum of {MaxFileSize} bytes."
                : $"The file is too large: it exceeds the maximum of {MaxFileSize} bytes.", "max_file_size_reached"));
        }
    }
}
