namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>
/// A video's thumbnail and preview go with it: ours, and the copies cached of a remote video's. Access decisions kept for
/// its files are dropped when its privacy, its settings or its existence change, so this node applies them at once.
/// </summary>
internal sealed class StreamingVideoEvents(StoragePaths paths, VideoGates gates) : IVideoEventHandler
{
    public Task UpdatedAsync(int videoId, CancellationToken ct)
    {
        gates.Clear();
        return Task.CompletedTask;
    }

    public Task PrivacyChangedAsync(int videoId, CancellationToken ct)
    {
        gates.Clear();
        return Task.CompletedTask;
    }

    public Task DeletingAsync(Video video, CancellationToken ct)
    {
        gates.Clear();
        return Task.CompletedTask;
    }

    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        gates.Clear();
        StorageFiles.DeleteFile(video.ThumbnailFilename is null ? null : Path.Combine(paths.Thumbnails, video.ThumbnailFilename));
        StorageFiles.DeleteFile(video.PreviewFilename is null ? null : Path.Combine(paths.Previews, video.PreviewFilename));
        return Task.CompletedTask;
    }
}
