using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// The lives of videos, as the rest of the server hears of them. Whoever changes a video raises the event here; every
/// <see cref="IVideoEventHandler"/> registered by a feature hears it. The video model calls out to no feature.
/// </summary>
public interface IVideoEvents
{
    /// <summary>
    /// Writes <paramref name="change"/> into the caller's unit of work: call it before the <c>SaveChangesAsync</c> (or
    /// inside the transaction) that makes the change, then <see cref="RaiseRecordedAsync"/> once it is committed. The
    /// record commits with the change, so a crash before the handlers ran loses nothing: a job replays them.
    /// </summary>
    void Record(int videoId, VideoChange change);

    /// <summary>After the commit: the handlers hear what was recorded, in order, and the records go.</summary>
    Task RaiseRecordedAsync(CancellationToken ct);

    /// <summary>Raised before the row is removed, while the video (with channel and account) can still be read.</summary>
    Task DeletingAsync(Video video, CancellationToken ct);

    /// <summary>
    /// Raised once the row is gone (committed), with the video as it was loaded (its playlist and files included):
    /// each feature deletes its own files. A crash before this leaves only unreferenced files, never a row without them.
    /// </summary>
    Task DeletedAsync(Video video, CancellationToken ct);
}

/// <summary>What happened to a video, as recorded with the change.</summary>
[Flags]
public enum VideoChange
{
    Published = 1,
    Updated = 2,

    /// <summary>An update that changed the privacy (heard after <see cref="Updated"/>).</summary>
    PrivacyChanged = 4,
}

/// <summary>
/// A feature's part in the lives of videos. Implement what the feature cares about; the rest does nothing. Handlers are
/// called inside requests and jobs: they queue work, touch their own rows and files, and make no network call.
/// </summary>
public interface IVideoEventHandler
{
    Task PublishedAsync(int videoId, CancellationToken ct) => Task.CompletedTask;

    Task UpdatedAsync(int videoId, CancellationToken ct) => Task.CompletedTask;

    Task PrivacyChangedAsync(int videoId, CancellationToken ct) => Task.CompletedTask;

    Task DeletingAsync(Video video, CancellationToken ct) => Task.CompletedTask;

    Task DeletedAsync(Video video, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Calls every registered handler, in registration order.</summary>
internal sealed partial class VideoEvents(IEnumerable<IVideoEventHandler> handlers, TransactionalJobs jobs, ILogger<VideoEvents> log)
    : IVideoEvents
{
    /// <summary>How long a record waits for <see cref="RaiseRecordedAsync"/> before the replay job takes it.</summary>
    internal static readonly TimeSpan ReplayAfter = TimeSpan.FromSeconds(10);

    private readonly List<(int VideoId, VideoChange Change, PendingJob Replay)> _recorded = [];

    public void Record(int videoId, VideoChange change) =>
        _recorded.Add((videoId, change,
            jobs.Fallback<VideoEventsReplayJob>(j => j.RunAsync(videoId, change, CancellationToken.None), JobsExtensions.DefaultQueue, ReplayAfter)));

    public async Task RaiseRecordedAsync(CancellationToken ct)
    {
        var recorded = _recorded.ToList();
        _recorded.Clear();
        foreach (var (videoId, change, replay) in recorded)
        {
            await RaiseAsync(videoId, change, ct);
            await jobs.ForgetAsync(replay, ct);
        }
    }

    internal async Task RaiseAsync(int videoId, VideoChange change, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            if (change.HasFlag(VideoChange.Published))
            {
                await handler.PublishedAsync(videoId, ct);
            }

            if (change.HasFlag(VideoChange.Updated))
            {
                await handler.UpdatedAsync(videoId, ct);
            }

            if (change.HasFlag(VideoChange.PrivacyChanged))
            {
                await handler.PrivacyChangedAsync(videoId, ct);
            }
        }
    }

    public async Task DeletingAsync(Video video, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            await handler.DeletingAsync(video, ct);
        }
    }

    /// <summary>The row is already gone: a file that cannot be deleted is logged and left, and the others still go.</summary>
    public async Task DeletedAsync(Video video, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            try
            {
                await handler.DeletedAsync(video, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(e, handler.GetType().Name, video.Uuid);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Handler} could not remove the files of the deleted video {Uuid}")]
    private partial void LogCleanupFailed(Exception e, string handler, Guid uuid);
}

/// <summary>
/// Replays a recorded change whose writer did not get to raise it (it crashed after the commit). Handlers only queue
/// work and are safe to hear a change twice.
/// </summary>
public sealed class VideoEventsReplayJob(IVideoEvents events)
{
    public Task RunAsync(int videoId, VideoChange change, CancellationToken ct) =>
        ((VideoEvents)events).RaiseAsync(videoId, change, ct);
}
