using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Torrents;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// Who may use the tracker: IPs briefly blocked after asking for a torrent we do not publish (PeerTube does the same),
/// a per-IP request budget, and the private-tracker rule (only our own info-hashes). IPv6 clients are counted per /64,
/// since one host usually holds a whole /64.
/// </summary>
/// <remarks>
/// Loopback is never blocked nor limited: behind a reverse proxy on the same host without forwarded headers, every
/// client is 127.0.0.1, and one stranger's unknown info-hash would otherwise lock everybody out.
/// </remarks>
internal sealed class TrackerGate(IOptions<TrackerOptions> options, ITorrentCatalog catalog, TimeProvider clock, ILogger<TrackerGate> log)
{
    /// <summary>A known info-hash stays known this long without asking the database again; new videos are never delayed.</summary>
    private static readonly TimeSpan KnownHashLifetime = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<IPAddress, DateTimeOffset> _blockedUntil = new();
    private readonly ConcurrentDictionary<IPAddress, RequestWindow> _windows = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _knownUntil = new(StringComparer.Ordinal);

    /// <summary>The catalog's generation that <see cref="_knownUntil"/> was filled under.</summary>
    private long _knownGeneration;

    /// <summary>
    /// The client's address. Behind a reverse proxy this is whatever the forwarded-headers middleware made of it; the
    /// announce's own <c>ip</c> parameter is never trusted, or anyone could point a swarm at a victim.
    /// </summary>
    public static IPAddress RemoteIp(HttpContext http)
    {
        var ip = http.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
    }

    public int BlockedCount
    {
        get
        {
            var now = clock.GetUtcNow();
            return _blockedUntil.Count(b => b.Value > now);
        }
    }

    public bool IsBlocked(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip))
        {
            return false;
        }

        var key = ClientKey(ip);
        if (!_blockedUntil.TryGetValue(key, out var until))
        {
            return false;
        }

        if (until > clock.GetUtcNow())
        {
            return true;
        }

        _blockedUntil.TryRemove(new KeyValuePair<IPAddress, DateTimeOffset>(key, until));
        return false;
    }

    /// <summary>Keeps out an IP that asked for a torrent we do not track, for Tracker:UnknownHashBlockSeconds.</summary>
    public void BlockForUnknownHash(IPAddress ip, string infoHash)
    {
        var seconds = options.Value.UnknownHashBlockSeconds;
        log.LogDebug("Unknown info-hash {InfoHash} requested by {Ip}; blocked for {Seconds} s", infoHash, ip, seconds);
        if (seconds > 0 && !IPAddress.IsLoopback(ip))
        {
            _blockedUntil[ClientKey(ip)] = clock.GetUtcNow().AddSeconds(seconds);
        }
    }

    /// <summary>Counts one request against the IP's budget for the current minute; false once it is spent.</summary>
    public bool TryCountRequest(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip))
        {
            return true;
        }

        var minute = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        var window = _windows.GetOrAdd(ClientKey(ip), _ => new RequestWindow());
        lock (window)
        {
            if (window.Minute != minute)
            {
                window.Minute = minute;
                window.Count = 0;
            }

            window.Count++;
            return window.Count <= options.Value.AnnouncesPerIpPerMinute;
        }
    }

    /// <summary>
    /// Whether this tracker tracks the info-hash: any when public, only the catalog's when private. A torrent that
    /// leaves the catalog (its video deleted or made private, its torrents replaced) is refused from that moment.
    /// </summary>
    public async ValueTask<bool> IsTrackedAsync(string infoHash, CancellationToken ct)
    {
        if (!options.Value.Private)
        {
            return true;
        }

        var generation = catalog.Generation;
        if (generation != Interlocked.Read(ref _knownGeneration))
        {
            _knownUntil.Clear();
            Interlocked.Exchange(ref _knownGeneration, generation);
        }

        var now = clock.GetUtcNow();
        if (_knownUntil.TryGetValue(infoHash, out var until) && until > now)
        {
            return true;
        }

        // Only hits are remembered: they are bounded by what we publish, whereas misses are whatever strangers send.
        if (!await catalog.IsKnownAsync(infoHash, ct))
        {
            return false;
        }

        // Not remembered if the catalog changed while it was asked: the answer may already be out of date.
        if (catalog.Generation == generation)
        {
            _knownUntil[infoHash] = now + KnownHashLifetime;
        }

        return true;
    }

    /// <summary>Drops expired blocks, past request windows and stale known hashes.</summary>
    public void Sweep()
    {
        var now = clock.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        foreach (var (ip, until) in _blockedUntil)
        {
            if (until <= now)
            {
                _blockedUntil.TryRemove(new KeyValuePair<IPAddress, DateTimeOffset>(ip, until));
            }
        }

        foreach (var (ip, window) in _windows)
        {
            bool stale;
            lock (window)
            {
                stale = window.Minute < minute;
            }

            if (stale)
            {
                _windows.TryRemove(new KeyValuePair<IPAddress, RequestWindow>(ip, window));
            }
        }

        foreach (var (hash, until) in _knownUntil)
        {
            if (until <= now)
            {
                _knownUntil.TryRemove(new KeyValuePair<string, DateTimeOffset>(hash, until));
            }
        }
    }

    /// <summary>The unit limits count by: the IPv4 address, or the IPv6 /64 (one home's or one host's whole range).</summary>
    internal static IPAddress ClientKey(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4();
        }

        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return ip;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private sealed class RequestWindow
    {
        public long Minute { get; set; } = long.MinValue;
        public int Count { get; set; }
    }
}
