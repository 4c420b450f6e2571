namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// The handshake's 8 reserved bytes, read as one big-endian integer: each flag is the bit an extension sets there.
/// </summary>
[Flags]
public enum PeerExtensions : ulong
{
    None = 0,

    /// <summary>BEP 5, DHT (reserved[7] &amp; 0x01).</summary>
    Dht = 0x01,

    /// <summary>BEP 6, fast extension (reserved[7] &amp; 0x04): have all/none, reject request, allowed fast, suggest.</summary>
    Fast = 0x04,

    /// <summary>BEP 10, extension protocol (reserved[5] &amp; 0x10).</summary>
    ExtensionProtocol = 0x10_0000,
}
