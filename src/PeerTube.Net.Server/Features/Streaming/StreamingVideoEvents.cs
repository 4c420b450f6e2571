namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>A video's thumbnail and preview go with it: ours, and the copies cached of a remote video's.</summary>
internal sealed class StreamingVideoEvents(StoragePaths paths) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        StorageFiles.DeleteFile(video.ThumbnailFilename is null ? null : Path.Combine(paths.Thumbnails, video.ThumbnailFilename));
        StorageFiles.DeleteFile(video.PreviewFilename is null ? null : Path.Combine(paths.Previews, video.PreviewFilename));
        return Task.CompletedTask;
    }
}
