namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>The largest messages a <see cref="PeerWireReader"/> accepts; anything bigger is a protocol violation.</summary>
public sealed class PeerWireLimits
{
    /// <summary>2^14: BEP 3 notes every implementation requests blocks this size and drops peers asking for more.</summary>
    public const int StandardBlockLength = 16 * 1024;

    public static PeerWireLimits Default { get; } = new();

    /// <summary>The largest block a request, cancel or reject may name, and a piece message may carry.</summary>
    public int MaxBlockLength { get; init; } = StandardBlockLength;

    /// <summary>The largest extended (BEP 10) or unknown message, and bitfield while the piece count is unknown.</summary>
    public int MaxOtherLength { get; init; } = 64 * 1024;
}
