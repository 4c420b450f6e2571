using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Torrents;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// The HTTP tracker (BEP 3, compact peers per BEP 23, scrape per BEP 48). Every answer is a bencoded dictionary with
/// status 200, failures included (<c>failure reason</c>), since that is what BitTorrent clients read.
/// </summary>
internal static class HttpTracker
{
    /// <summary>Info-hashes one scrape may ask about.</summary>
    public const int MaxScrapeHashes = 100;

    public static async Task<BencodedResult> AnnounceAsync(HttpContext http, SwarmStore store, TrackerGate gate, IOptions<TrackerOptions> options)
    {
        var limits = options.Value;
        var ip = TrackerGate.RemoteIp(http);
        if (Refuse(gate, ip) is { } refused)
        {
            return refused;
        }

        var query = RawQuery.Parse(http.Request.QueryString.Value);
        if (ParseAnnounce(query, ip, limits) is not { } request)
        {
            return BencodedResult.Failure(AnnounceError(query));
        }

        if (!await gate.IsTrackedAsync(request.InfoHash, http.RequestAborted))
        {
            gate.BlockForUnknownHash(ip, request.InfoHash);
            return BencodedResult.Failure($"Unknown infoHash {request.InfoHash} requested by ip {ip}");
        }

        var outcome = store.Announce(request);
        if (outcome.Failure is { } failure)
        {
            return BencodedResult.Failure(failure);
        }

        var compact = query.Text("compact") == "1";
        BValue peers;
        BValue? peers6 = null;
        if (compact)
        {
            peers = new BString(Compact(outcome.Peers, AddressFamily.InterNetwork));
            peers6 = new BString(Compact(outcome.Peers, AddressFamily.InterNetworkV6));
        }
        else
        {
            var withId = query.Text("no_peer_id") != "1";
            peers = new BList(outcome.Peers.Select(p => (BValue)BDictionary.Of(
                ("peer id", withId ? p.PeerId : null),
                ("ip", p.Endpoint!.Address.ToString()),
                ("port", p.Endpoint.Port))).ToList());
        }

        return new BencodedResult(BDictionary.Of(
            ("interval", limits.AnnounceIntervalSeconds),
            ("min interval", Math.Max(1, limits.AnnounceIntervalSeconds / 2)),
            ("complete", outcome.Complete),
            ("incomplete", outcome.Incomplete),
            ("peers", peers),
            ("peers6", peers6)));
    }

    public static BencodedResult Scrape(HttpContext http, SwarmStore store, TrackerGate gate)
    {
        var ip = TrackerGate.RemoteIp(http);
        if (Refuse(gate, ip) is { } refused)
        {
            return refused;
        }

        var hashes = RawQuery.Parse(http.Request.QueryString.Value).All("info_hash");
        if (hashes.Count == 0)
        {
            return BencodedResult.Failure("info_hash is required: this tracker does not list its torrents.");
        }

        if (hashes.Count > MaxScrapeHashes)
        {
            return BencodedResult.Failure($"Too many info_hash values (at most {MaxScrapeHashes}).");
        }

        if (hashes.Any(h => h.Length != 20))
        {
            return BencodedResult.Failure("invalid info_hash");
        }

        var distinct = hashes.DistinctBy(Convert.ToHexStringLower).ToList();
        var counts = store.Scrape(distinct.Select(Convert.ToHexStringLower).ToList());
        var files = new Dictionary<string, BValue>(StringComparer.Ordinal);
        for (var i = 0; i < distinct.Count; i++)
        {
            files[BDictionary.KeyFromBytes(distinct[i])] = BDictionary.Of(
                ("complete", counts[i].Complete),
                ("downloaded", counts[i].Downloaded),
                ("incomplete", counts[i].Incomplete));
        }

        return new BencodedResult(BDictionary.Of(("files", new BDictionary(files))));
    }

    private static BencodedResult? Refuse(TrackerGate gate, IPAddress ip)
    {
        if (gate.IsBlocked(ip))
        {
            return BencodedResult.Failure("Your IP is temporarily blocked by this tracker.");
        }

        return gate.TryCountRequest(ip) ? null : BencodedResult.Failure("Too many requests from your IP, slow down.");
    }

    private static AnnounceRequest? ParseAnnounce(RawQuery query, IPAddress ip, TrackerOptions limits)
    {
        var infoHash = query.First("info_hash");
        var peerId = query.First("peer_id");
        if (infoHash is not { Length: 20 } || peerId is not { Length: 20 } || ParsePort(query) is not { } port || ParseEvent(query) is not { } announceEvent)
        {
            return null;
        }

        var left = long.TryParse(query.Text("left"), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : (long?)null;
        var numWant = int.TryParse(query.Text("numwant"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? Math.Clamp(n, 0, limits.MaxPeersPerResponse)
            : limits.MaxPeersPerResponse;
        return new AnnounceRequest(Convert.ToHexStringLower(infoHash), peerId, PeerTransport.Http, new IPEndPoint(ip, port), null, left,
            announceEvent, announceEvent == AnnounceEvent.Stopped ? 0 : numWant);
    }

    /// <summary>The first thing wrong with an announce, worded as bittorrent-tracker words it.</summary>
    private static string AnnounceError(RawQuery query) =>
        query.First("info_hash") is not { Length: 20 } ? "invalid info_hash"
        : query.First("peer_id") is not { Length: 20 } ? "invalid peer_id"
        : ParsePort(query) is null ? "invalid port"
        : "invalid event";

    private static int? ParsePort(RawQuery query) =>
        int.TryParse(query.Text("port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535 ? port : null;

    private static AnnounceEvent? ParseEvent(RawQuery query) => query.Text("event") switch
    {
        null or "" or "update" or "paused" => AnnounceEvent.Update,
        "started" => AnnounceEvent.Started,
        "completed" => AnnounceEvent.Completed,
        "stopped" => AnnounceEvent.Stopped,
        _ => null,
    };

    /// <summary>BEP 23 (IPv4, 6 bytes a peer) or BEP 7 (IPv6, 18 bytes a peer): address then port, big-endian.</summary>
    private static byte[] Compact(IReadOnlyList<PeerInfo> peers, AddressFamily family)
    {
        var size = family == AddressFamily.InterNetwork ? 6 : 18;
        var matching = peers.Where(p => p.Endpoint?.AddressFamily == family).ToList();
        var bytes = new byte[matching.Count * size];
        for (var i = 0; i < matching.Count; i++)
        {
            var slot = bytes.AsSpan(i * size, size);
            matching[i].Endpoint!.Address.TryWriteBytes(slot, out _);
            BinaryPrimitives.WriteUInt16BigEndian(slot[(size - 2)..], (ushort)matching[i].Endpoint!.Port);
        }

        return bytes;
    }
}

/// <summary>
/// A query string read as bytes. info_hash and peer_id are 20 raw bytes, percent-encoded; ASP.NET's decoding reads
/// UTF-8 and would mangle them, so the raw query is decoded here (<c>+</c> is a space, as bittorrent-tracker reads it).
/// </summary>
internal sealed class RawQuery
{
    private readonly Dictionary<string, List<byte[]>> _values = new(StringComparer.Ordinal);

    public static RawQuery Parse(string? queryString)
    {
        var query = new RawQuery();
        if (string.IsNullOrEmpty(queryString))
        {
            return query;
        }

        foreach (var pair in queryString.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Encoding.Latin1.GetString(Decode(equals < 0 ? pair : pair[..equals]));
            var value = equals < 0 ? [] : Decode(pair[(equals + 1)..]);
            if (!query._values.TryGetValue(name, out var values))
            {
                query._values[name] = values = [];
            }

            values.Add(value);
        }

        return query;
    }

    public byte[]? First(string name) => _values.TryGetValue(name, out var values) ? values[0] : null;

    public IReadOnlyList<byte[]> All(string name) => _values.TryGetValue(name, out var values) ? values : [];

    /// <summary>The first value as text (numbers, events and flags are ASCII).</summary>
    public string? Text(string name) => First(name) is { } bytes ? Encoding.Latin1.GetString(bytes) : null;

    private static byte[] Decode(string component)
    {
        var raw = Encoding.UTF8.GetBytes(component);
        var decoded = new byte[raw.Length];
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '%' && i + 2 < raw.Length && IsHex(raw[i + 1]) && IsHex(raw[i + 2]))
            {
                decoded[length++] = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                i += 2;
            }
            else
            {
                decoded[length++] = raw[i] == '+' ? (byte)' ' : raw[i];
            }
        }

        return decoded[..length];
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}

/// <summary>A bencoded tracker response: <c>text/plain</c>, status 200, never cached.</summary>
internal sealed class BencodedResult(BDictionary body) : IResult
{
    public BDictionary Body { get; } = body;

    public static BencodedResult Failure(string reason) => new(BDictionary.Of(("failure reason", reason)));

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var bytes = Bencode.Encode(Body);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain";
        response.Headers.CacheControl = "no-store";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
    }
}
