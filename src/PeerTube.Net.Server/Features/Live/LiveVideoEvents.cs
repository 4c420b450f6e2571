namespace PeerTube.Net.Server.Features.Live;

/// <summary>A live deleted while it streams: its ffmpeg stops now, so the publisher is dropped and the key freed.</summary>
internal sealed class LiveVideoEvents(LiveIngest ingest) : IVideoEventHandler
{
    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        if (video.IsLive)
        {
            ingest.Stop(video.Id);
        }

        return Task.CompletedTask;
    }
}
