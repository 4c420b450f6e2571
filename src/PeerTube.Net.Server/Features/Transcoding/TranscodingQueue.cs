using Hangfire;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>The one place that enqueues transcoding: by video id, never with the video itself.</summary>
public sealed class TranscodingQueue(IBackgroundJobClient jobs)
{
    public string Enqueue(int videoId) =>
        jobs.Create<TranscodeVideoJob>(j => j.RunAsync(videoId, null, CancellationToken.None), new Hangfire.States.EnqueuedState(JobsExtensions.TranscodingQueue));
}
