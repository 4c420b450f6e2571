namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>What transcoding made goes with the video: its HLS folder and its ffmpeg log.</summary>
internal sealed class TranscodingVideoEvents(StoragePaths paths) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        StorageFiles.DeleteDirectory(paths.HlsDirectory(video.Uuid));
        StorageFiles.DeleteFile(paths.FfmpegLog(video.Uuid));
        return Task.CompletedTask;
    }
}
