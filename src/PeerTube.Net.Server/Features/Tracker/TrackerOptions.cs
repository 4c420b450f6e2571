using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>The built-in BitTorrent tracker (HTTP at /tracker/announce and /tracker/scrape, WebTorrent at /tracker/socket).</summary>
public sealed class TrackerOptions : IValidatableObject
{
    public const string Section = "Tracker";

    /// <summary>When false the tracker endpoints are not mapped (404) and nothing of the tracker runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Only torrents this instance publishes are tracked (PeerTube's <c>tracker.private</c>); anyone else's info-hash is
    /// refused, and the IP that asked is blocked for <see cref="UnknownHashBlockSeconds"/>.
    /// </summary>
    public bool Private { get; set; } = true;

    /// <summary>How often clients should announce. PeerTube's WebSocket tracker says 2 minutes.</summary>
    [Range(10, 3600)]
    public int AnnounceIntervalSeconds { get; set; } = 120;

    /// <summary>A peer that has not announced for this long is forgotten. Must exceed the announce interval.</summary>
    [Range(11, 86_400)]
    public int PeerTtlSeconds { get; set; } = 330;

    /// <summary>Peers handed out per announce at most, whatever numwant asks (bittorrent-tracker's default is 50).</summary>
    [Range(1, 500)]
    public int MaxPeersPerResponse { get; set; } = 50;

    /// <summary>Peers remembered per torrent; when full, the one silent the longest makes room.</summary>
    [Range(1, 1_000_000)]
    public int MaxPeersPerSwarm { get; set; } = 1000;

    /// <summary>Peers remembered across all torrents; beyond it new peers are refused.</summary>
    [Range(1, 100_000_000)]
    public int MaxPeers { get; set; } = 200_000;

    /// <summary>HTTP announces and scrapes, and WebSocket connections, accepted per client IP (IPv6: per /64) per minute.</summary>
    [Range(1, 1_000_000)]
    public int AnnouncesPerIpPerMinute { get; set; } = 120;

    /// <summary>How long an IP that asked for an unknown info-hash is refused (PeerTube: 3 minutes).</summary>
    [Range(0, 86_400)]
    public int UnknownHashBlockSeconds { get; set; } = 180;

    /// <summary>Largest WebSocket message accepted; an SDP offer is a few KiB and a client sends a handful per announce.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxSocketMessageBytes { get; set; } = 128 * 1024;

    /// <summary>Messages a WebSocket may send per minute (announces, offers, answers, scrapes); beyond it the socket is closed.</summary>
    [Range(1, 1_000_000)]
    public int SocketMessagesPerMinute { get; set; } = 240;

    /// <summary>WebSocket connections open at once from one client IP (IPv6: per /64); more are refused with 429.</summary>
    [Range(1, 100_000)]
    public int MaxSocketsPerIp { get; set; } = 32;

    /// <summary>
    /// Bytes queued for one WebSocket client that does not read (offers and answers relayed to it); past it the client is
    /// too slow to be a peer, and its connection is closed.
    /// </summary>
    [Range(16 * 1024, 256 * 1024 * 1024)]
    public int MaxSocketOutboxBytes { get; set; } = 1024 * 1024;

    /// <summary>Peer ids one WebSocket may announce in one swarm (a player uses one); more would let one client fill a swarm.</summary>
    [Range(1, 1000)]
    public int MaxPeerIdsPerSocketPerSwarm { get; set; } = 4;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PeerTtlSeconds <= AnnounceIntervalSeconds)
        {
            yield return new ValidationResult(
                $"Tracker:PeerTtlSeconds ({PeerTtlSeconds}) must be greater than Tracker:AnnounceIntervalSeconds ({AnnounceIntervalSeconds}), "
                + "or peers would be forgotten between two announces.",
                [nameof(PeerTtlSeconds)]);
        }

        if (MaxSocketOutboxBytes < MaxSocketMessageBytes)
        {
            yield return new ValidationResult(
                $"Tracker:MaxSocketOutboxBytes ({MaxSocketOutboxBytes}) must be at least Tracker:MaxSocketMessageBytes ({MaxSocketMessageBytes}), "
                + "or one relayed message could close the connection it is sent to.",
                [nameof(MaxSocketOutboxBytes)]);
        }
    }
}
