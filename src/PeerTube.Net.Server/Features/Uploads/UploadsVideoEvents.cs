namespace PeerTube.Net.Server.Features.Uploads;

/// <summary>The uploaded original, kept until the ladder is published, goes with the video.</summary>
internal sealed class UploadsVideoEvents(StoragePaths paths) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        StorageFiles.DeleteFile(video.SourceFilename is null ? null : paths.SourceFile(video.SourceFilename));
        return Task.CompletedTask;
    }
}
