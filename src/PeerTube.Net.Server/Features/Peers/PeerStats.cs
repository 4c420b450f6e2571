using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>What a player reports: its running totals since it started playing, and how many peers it is connected to.</summary>
public sealed record PeerStatsReport(long HttpBytes, long P2pBytes, long UploadedBytes, int Peers);

/// <summary>
/// Bytes served by HTTP and by peers, per video, summed over every player that reported, in memory (per node, reset on
/// restart). Players send running totals, so each connection's last report is remembered by the hub and only the
/// growth since then is added here: a total reported ten times counts once.
/// </summary>
/// <remarks>
/// Anonymous viewers report, so the figures are what players claim: good for a trend, not for billing. Each report's
/// growth is capped (<see cref="MaxDeltaBytes"/>) so that one liar cannot swamp a video's figures.
/// </remarks>
public sealed class PeerStats(IOptions<P2POptions> options)
{
    /// <summary>The most one report may add to one counter: 1 GiB, far more than ten seconds of any video.</summary>
    public const long MaxDeltaBytes = 1L << 30;

    private readonly ConcurrentDictionary<Guid, VideoTotals> _videos = new();

    /// <summary>Adds a reporter's growth since its previous report (null for its first) to the video's totals.</summary>
    public void Add(Guid video, PeerStatsReport? previous, PeerStatsReport current)
    {
        if (!_videos.TryGetValue(video, out var totals))
        {
            if (_videos.Count >= options.Value.MaxStatsVideos)
            {
                return;
            }

            totals = _videos.GetOrAdd(video, _ => new VideoTotals());
        }

        lock (totals)
        {
            totals.HttpBytes += Delta(previous?.HttpBytes, current.HttpBytes);
            totals.P2pBytes += Delta(previous?.P2pBytes, current.P2pBytes);
            totals.UploadedBytes += Delta(previous?.UploadedBytes, current.UploadedBytes);
            if (previous is null)
            {
                totals.Reporters++;
            }
        }
    }

    public IReadOnlyList<VideoPeerStats> Snapshot() =>
        _videos.Select(v =>
        {
            lock (v.Value)
            {
                return new VideoPeerStats(v.Key, v.Value.HttpBytes, v.Value.P2pBytes, v.Value.UploadedBytes, v.Value.Reporters);
            }
        }).ToList();

    /// <summary>A counter only grows; one that went down (a player that started over) counts from zero again.</summary>
    private static long Delta(long? previous, long current)
    {
        var delta = previous is { } p && current >= p ? current - p : current;
        return Math.Clamp(delta, 0, MaxDeltaBytes);
    }

    private sealed class VideoTotals
    {
        public long HttpBytes { get; set; }
        public long P2pBytes { get; set; }
        public long UploadedBytes { get; set; }
        public int Reporters { get; set; }
    }
}

public sealed record VideoPeerStats(Guid Uuid, long HttpBytes, long P2pBytes, long UploadedBytes, int Reporters);
