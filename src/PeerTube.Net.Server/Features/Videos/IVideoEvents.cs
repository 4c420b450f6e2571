namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// The lives of videos, as the rest of the server hears of them. Whoever changes a video raises the event here; every
/// <see cref="IVideoEventHandler"/> registered by a feature hears it. The video model calls out to no feature.
/// </summary>
public interface IVideoEvents
{
    Task PublishedAsync(int videoId, CancellationToken ct);

    Task UpdatedAsync(int videoId, CancellationToken ct);

    /// <summary>Raised after an update that changed the privacy (and after <see cref="UpdatedAsync"/>).</summary>
    Task PrivacyChangedAsync(int videoId, CancellationToken ct);

    /// <summary>Raised before the row is removed, while the video (with channel and account) can still be read.</summary>
    Task DeletingAsync(Video video, CancellationToken ct);

    /// <summary>
    /// Raised once the row is gone (committed), with the video as it was loaded (its playlist and files included):
    /// each feature deletes its own files. A crash before this leaves only unreferenced files, never a row without them.
    /// </summary>
    Task DeletedAsync(Video video, CancellationToken ct);
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
internal sealed partial class VideoEvents(IEnumerable<IVideoEventHandler> handlers, ILogger<VideoEvents> log) : IVideoEvents
{
    public async Task PublishedAsync(int videoId, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            await handler.PublishedAsync(videoId, ct);
        }
    }

    public async Task UpdatedAsync(int videoId, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            await handler.UpdatedAsync(videoId, ct);
        }
    }

    public async Task PrivacyChangedAsync(int videoId, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            await handler.PrivacyChangedAsync(videoId, ct);
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
