using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>Bounds of the viewer counter (<see cref="VideoViewers"/>).</summary>
public sealed class ViewersOptions
{
    public const string Section = "Viewers";

    /// <summary>How long a viewer counts after its last sign of life: PeerTube's VIEW_LIFETIME.VIEWER_COUNTER (2 min).</summary>
    [Range(2, 3600)]
    public int LifetimeSeconds { get; set; } = 120;

    /// <summary>Viewers kept in all, local and remote: a flood is refused beyond this, the count stays right below it.</summary>
    [Range(100, 10_000_000)]
    public int MaxViewers { get; set; } = 200_000;

    /// <summary>Viewers one address may be (one per sessionId a player sends), per video: tabs, a family behind one NAT.</summary>
    [Range(1, 1000)]
    public int MaxSessionsPerAddress { get; set; } = 16;

    /// <summary>Viewers one remote instance may report at once, over all our videos.</summary>
    [Range(1, 1_000_000)]
    public int MaxRemoteViewersPerHost { get; set; } = 5_000;

    /// <summary>Viewer reports (View with expires) taken from one remote instance per minute; more are dropped.</summary>
    [Range(1, 1_000_000)]
    public int MaxRemoteReportsPerMinute { get; set; } = 1_200;

    /// <summary>Videos one connection to /hubs/live may follow at once: a watch page follows one, an embed page a few.</summary>
    [Range(1, 1000)]
    public int MaxSubscriptionsPerConnection { get; set; } = 8;

    /// <summary>How often the hub is told of changed counts and expired viewers are dropped.</summary>
    [Range(100, 60_000)]
    public int PushIntervalMilliseconds { get; set; } = 1_000;

    public TimeSpan Lifetime => TimeSpan.FromSeconds(LifetimeSeconds);
}

/// <summary>
/// Who watches each video now, as PeerTube counts its <c>viewers</c> (server/core/lib/views/shared/video-viewer-counters.ts):
/// a local viewer is refreshed by each POST /videos/{id}/views of its session, a remote one by its instance's View with
/// <c>expires</c>; each drops out when it expires. A remote video's origin may instead send its whole count (one View
/// whose <c>result.userInteractionCount</c> replaces what we had). In memory, per node, bounded
/// (<see cref="ViewersOptions"/>): a restart forgets the viewers, who come back with their next heartbeat.
/// </summary>
public sealed class VideoViewers(TimeProvider clock, IOptions<ViewersOptions> options)
{
    /// <param name="Host">Null for our own viewers; the reporting instance otherwise.</param>
    /// <param name="Address">A local viewer's IP address (its sessions are bounded per address).</param>
    /// <param name="Total">The count an origin reported for its whole audience (ours included), instead of one viewer.</param>
    private sealed class Viewer(string? host, string? address, int? total = null)
    {
        public string? Host { get; } = host;
        public string? Address { get; } = address;
        public int? Total { get; } = total;
        public DateTimeOffset Expires { get; set; }
        public DateTimeOffset? LastFederated { get; set; }
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Dictionary<string, Viewer>> _videos = [];
    private readonly Dictionary<string, int> _perHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(int VideoId, string Address), int> _perAddress = [];
    private readonly HashSet<int> _changed = [];
    private int _total;

    private ViewersOptions Options => options.Value;

    /// <summary>
    /// A local viewer's heartbeat. The viewer is its session (PeerTube's <c>sessionId</c>) within its address, or the
    /// address alone when it sent none.
    /// </summary>
    /// <returns>False when it was refused (too many sessions from this address, or the counter is full).</returns>
    public bool AddLocal(int videoId, string address, string? sessionId)
    {
        var id = "local:" + address + "|" + (sessionId ?? "");
        lock (_gate)
        {
            var viewers = ViewersOf(videoId);
            if (viewers.TryGetValue(id, out var known))
            {
                known.Expires = clock.GetUtcNow() + Options.Lifetime;
                return true;
            }

            var key = (videoId, address);
            var sessions = _perAddress.GetValueOrDefault(key);
            if (sessions >= Options.MaxSessionsPerAddress || !HasRoom())
            {
                return false;
            }

            _perAddress[key] = sessions + 1;
            Add(videoId, viewers, id, new Viewer(null, address) { Expires = clock.GetUtcNow() + Options.Lifetime });
            return true;
        }
    }

    /// <summary>One viewer that <paramref name="host"/> reports (a PeerTube View with expires; its id names the viewer).</summary>
    /// <returns>False when refused: the host reports too many viewers already, or the counter is full.</returns>
    public bool AddRemote(int videoId, string host, string viewerId, DateTimeOffset expires)
    {
        expires = Bound(expires);
        var id = "remote:" + viewerId;
        lock (_gate)
        {
            var viewers = ViewersOf(videoId);
            if (viewers.TryGetValue(id, out var known))
            {
                if (!string.Equals(known.Host, host, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                known.Expires = expires;
                return true;
            }

            if (_perHost.GetValueOrDefault(host) >= Options.MaxRemoteViewersPerHost || !HasRoom())
            {
                return false;
            }

            _perHost[host] = _perHost.GetValueOrDefault(host) + 1;
            Add(videoId, viewers, id, new Viewer(host, null) { Expires = expires });
            return true;
        }
    }

    /// <summary>
    /// A remote video's whole audience as its origin counts it (our viewers included, as we report them to it): replaces
    /// the remote viewers we held for it. Until it expires, the video counts this, or our own viewers if they are more.
    /// </summary>
    public void SetRemoteTotal(int videoId, string origin, int count, DateTimeOffset expires)
    {
        expires = Bound(expires);
        // The origin's word on its own video, capped like everything here: a claim of billions shows as the bound.
        count = Math.Clamp(count, 0, Options.MaxViewers);
        lock (_gate)
        {
            var viewers = ViewersOf(videoId);
            var before = Count(viewers, clock.GetUtcNow());
            foreach (var (id, viewer) in viewers.Where(v => v.Value.Host is not null).ToList())
            {
                Remove(videoId, viewers, id, viewer);
            }

            if (count > 0 && HasRoom())
            {
                _perHost[origin] = _perHost.GetValueOrDefault(origin) + 1;
                viewers["total:" + origin] = new Viewer(origin, null, count) { Expires = expires };
                _total++;
            }

            if (Count(viewers, clock.GetUtcNow()) != before)
            {
                _changed.Add(videoId);
            }

            if (viewers.Count == 0)
            {
                _videos.Remove(videoId);
            }
        }
    }

    /// <summary>How many watch this video now: our viewers and those other instances report.</summary>
    public int CountOf(int videoId)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            return _videos.TryGetValue(videoId, out var viewers) ? Count(viewers, now) : 0;
        }
    }

    /// <summary>Drops the expired viewers; the videos whose count changed since the last call.</summary>
    public IReadOnlyList<int> TakeChanges()
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var (videoId, viewers) in _videos.ToList())
            {
                var expired = viewers.Where(v => v.Value.Expires <= now).ToList();
                foreach (var (id, viewer) in expired)
                {
                    Remove(videoId, viewers, id, viewer);
                }

                if (expired.Count > 0)
                {
                    _changed.Add(videoId);
                }

                if (viewers.Count == 0)
                {
                    _videos.Remove(videoId);
                }
            }

            var changed = _changed.ToList();
            _changed.Clear();
            return changed;
        }
    }

    /// <summary>The videos somebody watches now, with their count.</summary>
    public IReadOnlyList<(int VideoId, int Viewers)> Watched()
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            return _videos.Select(v => (v.Key, Count(v.Value, now))).Where(v => v.Item2 > 0).ToList();
        }
    }

    /// <summary>
    /// Our viewers that their video's origin has not heard of for 3/4 of a lifetime (PeerTube's pace), marked as told
    /// now: (video, a stable id for the viewer). The caller keeps those of remote videos.
    /// </summary>
    public IReadOnlyList<(int VideoId, string ViewerId)> TakeLocalViewersToReport(Func<int, bool> isRemoteLive)
    {
        var now = clock.GetUtcNow();
        var due = now - Options.Lifetime * 0.75;
        var result = new List<(int, string)>();
        lock (_gate)
        {
            foreach (var (videoId, viewers) in _videos)
            {
                if (!isRemoteLive(videoId))
                {
                    continue;
                }

                foreach (var (id, viewer) in viewers)
                {
                    if (viewer.Host is null && viewer.Expires > now && (viewer.LastFederated is not { } last || last <= due))
                    {
                        viewer.LastFederated = now;
                        // Not the address: an opaque id, the same for each report of this viewer.
                        result.Add((videoId, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..32]));
                    }
                }
            }
        }

        return result;
    }

    /// <summary>When a viewer reported now expires.</summary>
    public DateTimeOffset ExpiresFromNow() => clock.GetUtcNow() + Options.Lifetime;

    /// <summary>A remote expiry, never further than two lifetimes away: a report that claims a viewer for a year is a heartbeat like any other.</summary>
    private DateTimeOffset Bound(DateTimeOffset expires)
    {
        var latest = clock.GetUtcNow() + Options.Lifetime * 2;
        return expires > latest ? latest : expires;
    }

    private bool HasRoom() => _total < Options.MaxViewers;

    private Dictionary<string, Viewer> ViewersOf(int videoId)
    {
        if (!_videos.TryGetValue(videoId, out var viewers))
        {
            viewers = new Dictionary<string, Viewer>(StringComparer.Ordinal);
            _videos[videoId] = viewers;
        }

        return viewers;
    }

    private void Add(int videoId, Dictionary<string, Viewer> viewers, string id, Viewer viewer)
    {
        viewers[id] = viewer;
        _total++;
        _changed.Add(videoId);
    }

    private void Remove(int videoId, Dictionary<string, Viewer> viewers, string id, Viewer viewer)
    {
        viewers.Remove(id);
        _total--;
        if (viewer.Host is { } host && _perHost.TryGetValue(host, out var n))
        {
            if (n <= 1)
            {
                _perHost.Remove(host);
            }
            else
            {
                _perHost[host] = n - 1;
            }
        }

        if (viewer.Address is { } address && _perAddress.TryGetValue((videoId, address), out var s))
        {
            if (s <= 1)
            {
                _perAddress.Remove((videoId, address));
            }
            else
            {
                _perAddress[(videoId, address)] = s - 1;
            }
        }
    }

    private static int Count(Dictionary<string, Viewer> viewers, DateTimeOffset now)
    {
        var live = viewers.Values.Where(v => v.Expires > now).ToList();
        var each = live.Count(v => v.Total is null);
        return live.FirstOrDefault(v => v.Total is not null)?.Total is { } total ? Math.Max(total, each) : each;
    }
}
