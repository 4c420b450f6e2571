namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>What transcoding made goes with the video: its running ffmpeg, its HLS folder and its ffmpeg log.</summary>
internal sealed class TranscodingVideoEvents(StoragePaths paths, RunningTranscodes running) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        // The row is gone (committed): a run on this node stops now; one on another node sees it at its next heartbeat.
        running.Stop(video.Id);
        StorageFiles.DeleteDirectory(paths.HlsDirectory(video.Uuid));
        StorageFiles.DeleteFile(paths.FfmpegLog(video.Uuid));
        return Task.CompletedTask;
    }
}
