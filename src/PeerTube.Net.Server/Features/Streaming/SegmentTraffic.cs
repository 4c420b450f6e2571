using System.Collections.Concurrent;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>
/// Bytes of HLS media (the fragmented mp4 files, not the playlists) this node sent over HTTP, per video, counted from
/// the responses themselves: the server's side of the P2P ratio, next to what players report. In memory, per node,
/// reset on restart; bounded in videos.
/// </summary>
public sealed class SegmentTraffic
{
    /// <summary>Videos counted at most; beyond it, new videos are not counted (the figures are for a trend, not billing).</summary>
    public const int MaxVideos = 10_000;

    private readonly ConcurrentDictionary<Guid, Counter> _videos = new();

    /// <summary>Counts the response's body once it is sent, if it is a 200 or a 206 with a known length.</summary>
    public void CountWhenSent(HttpContext http, Guid video)
    {
        http.Response.OnCompleted(() =>
        {
            var response = http.Response;
            if (response.StatusCode is StatusCodes.Status200OK or StatusCodes.Status206PartialContent
                && response.ContentLength is > 0 and var length && !http.RequestAborted.IsCancellationRequested)
            {
                Add(video, length);
            }

            return Task.CompletedTask;
        });
    }

    public void Add(Guid video, long bytes)
    {
        if (!_videos.TryGetValue(video, out var counter))
        {
            if (_videos.Count >= MaxVideos)
            {
                return;
            }

            counter = _videos.GetOrAdd(video, _ => new Counter());
        }

        Interlocked.Add(ref counter.Bytes, bytes);
    }

    public long BytesOf(Guid video) => _videos.TryGetValue(video, out var counter) ? Interlocked.Read(ref counter.Bytes) : 0;

    public IReadOnlyDictionary<Guid, long> Snapshot() => _videos.ToDictionary(v => v.Key, v => Interlocked.Read(ref v.Value.Bytes));

    private sealed class Counter
    {
        public long Bytes;
    }
}
