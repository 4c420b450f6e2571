using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>Viewers sharing HLS segments over WebRTC, signalled through /hubs/swarm (docs/p2p-contract.md).</summary>
public sealed class P2POptions : IValidatableObject
{
    public const string Section = "P2P";

    /// <summary>When false the hub is not mapped and players are told not to use peers.</summary>
    public bool Enabled { get; set; } = true;

    public const int DefaultMaxPeers = 10;

    /// <summary>
    /// WebRTC connections one player keeps open at once (over all its swarms), handed to the player in its config and
    /// the bound of ReportSlots. Each viewer only needs a few good peers, but every newcomer needs some peer with a free
    /// slot: with slots reported to the hub and idle connections rotated out, 10 keeps any swarm size connected while a
    /// browser holds that many data channels easily (BENCHMARKS.md, P2P).
    /// </summary>
    [Range(2, 64)]
    public int MaxPeers { get; set; } = DefaultMaxPeers;

    /// <summary>Peers handed to a joiner at most, picked at random among the swarm's, those with free slots first.</summary>
    [Range(1, 100)]
    public int MaxPeersPerJoin { get; set; } = 10;

    /// <summary>Swarms one connection may be in at once (a tab plays one rendition at a time, and switches now and then).</summary>
    [Range(1, 64)]
    public int MaxSwarmsPerConnection { get; set; } = 4;

    /// <summary>Largest SignalR message the hub accepts; SignalR closes the connection beyond it.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 32 * 1024;

    /// <summary>Largest signal payload (an SDP or an ICE candidate, as JSON), in UTF-8 bytes.</summary>
    [Range(256, 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 16 * 1024;

    /// <summary>Hub calls per connection per second, on average (a token bucket refilled at this rate).</summary>
    [Range(1, 10_000)]
    public int MessagesPerSecond { get; set; } = 50;

    /// <summary>Hub calls a connection may make at once before the rate applies (the bucket's size).</summary>
    [Range(1, 100_000)]
    public int MessageBurst { get; set; } = 100;

    /// <summary>Refused calls in a row after which the connection is closed.</summary>
    [Range(1, 100_000)]
    public int AbortAfterRefusals { get; set; } = 100;

    /// <summary>Videos whose peer statistics are kept in memory; beyond it, reports for new videos are dropped.</summary>
    [Range(1, 1_000_000)]
    public int MaxStatsVideos { get; set; } = 10_000;

    /// <summary>STUN/TURN servers handed to players. None by default: peers on the same network still connect.</summary>
    public List<IceServerOptions> IceServers { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPayloadBytes >= MaxMessageBytes)
        {
            yield return new ValidationResult(
                $"P2P:MaxPayloadBytes ({MaxPayloadBytes}) must be smaller than P2P:MaxMessageBytes ({MaxMessageBytes}), "
                + "or a signal with a full payload could never reach the hub.", [nameof(MaxPayloadBytes)]);
        }

        for (var i = 0; i < IceServers.Count; i++)
        {
            var server = IceServers[i];
            if (server.Urls.Count == 0 || server.Urls.Any(u => !IsIceUrl(u)))
            {
                yield return new ValidationResult(
                    $"P2P:IceServers:{i}:Urls must list stun:, stuns:, turn: or turns: URLs (got '{string.Join(", ", server.Urls)}').",
                    [nameof(IceServers)]);
            }
        }
    }

    private static bool IsIceUrl(string url) =>
        url.StartsWith("stun:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("stuns:", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One RTCIceServer, as the browser's RTCPeerConnection takes it.</summary>
public sealed class IceServerOptions
{
    public List<string> Urls { get; set; } = [];
    public string? Username { get; set; }
    public string? Credential { get; set; }
}
