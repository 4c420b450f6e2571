using System.Buffers.Binary;

namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// BEP 3's opening message: <c>&lt;19&gt;"BitTorrent protocol"&lt;8 reserved&gt;&lt;20 info_hash&gt;&lt;20 peer_id&gt;</c>.
/// </summary>
public sealed class PeerHandshake
{
    public const int Length = 68;

    /// <summary>Everything before the peer id: a receiving peer answers once it knows the info-hash.</summary>
    public const int HeaderLength = 48;

    public const int HashLength = 20;
    public const int PeerIdLength = 20;
    public const string ProtocolName = "BitTorrent protocol";

    private static ReadOnlySpan<byte> Protocol => "\u0013BitTorrent protocol"u8;

    public PeerHandshake(byte[] infoHash, byte[] peerId, PeerExtensions extensions = PeerExtensions.None)
    {
        ArgumentNullException.ThrowIfNull(infoHash);
        ArgumentNullException.ThrowIfNull(peerId);
        if (infoHash.Length != HashLength)
        {
            throw new ArgumentException($"An info-hash is {HashLength} bytes, not {infoHash.Length}.", nameof(infoHash));
        }

        if (peerId.Length != PeerIdLength)
        {
            throw new ArgumentException($"A peer id is {PeerIdLength} bytes, not {peerId.Length}.", nameof(peerId));
        }

        InfoHash = infoHash;
        PeerId = peerId;
        Extensions = extensions;
    }

    public byte[] InfoHash { get; }
    public byte[] PeerId { get; }
    public PeerExtensions Extensions { get; }

    public bool SupportsFast => Extensions.HasFlag(PeerExtensions.Fast);

    /// <summary>Parses a whole 68-byte handshake.</summary>
    /// <exception cref="PeerWireException">It is not a BitTorrent handshake.</exception>
    public static PeerHandshake Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new PeerWireException($"A handshake is {Length} bytes, not {bytes.Length}.");
        }

        var (extensions, infoHash) = ParseHeader(bytes[..HeaderLength]);
        return new PeerHandshake(infoHash, bytes[HeaderLength..].ToArray(), extensions);
    }

    /// <summary>Parses the first 48 bytes: protocol, reserved bits and info-hash.</summary>
    /// <exception cref="PeerWireException">It is not a BitTorrent handshake.</exception>
    public static (PeerExtensions Extensions, byte[] InfoHash) ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderLength)
        {
            throw new PeerWireException($"A handshake header is {HeaderLength} bytes, not {header.Length}.");
        }

        ValidateProtocol(header[..Protocol.Length]);
        var extensions = (PeerExtensions)BinaryPrimitives.ReadUInt64BigEndian(header.Slice(Protocol.Length, 8));
        return (extensions, header.Slice(Protocol.Length + 8, HashLength).ToArray());
    }

    /// <summary>
    /// Checks as much of the 20-byte protocol prefix as has arrived, so a stranger speaking HTTP or TLS is turned
    /// away after its first byte rather than after a timeout.
    /// </summary>
    /// <exception cref="PeerWireException">The bytes so far cannot start a BitTorrent handshake.</exception>
    public static void ValidateProtocol(ReadOnlySpan<byte> prefix)
    {
        if (prefix.Length > 0 && prefix[0] != Protocol[0])
        {
            throw new PeerWireException($"The handshake's protocol name length is {prefix[0]}, not 19: not a BitTorrent peer.");
        }

        var checkable = Math.Min(prefix.Length, Protocol.Length);
        if (!prefix[..checkable].SequenceEqual(Protocol[..checkable]))
        {
            throw new PeerWireException($"The handshake does not name the \"{ProtocolName}\": not a BitTorrent peer.");
        }
    }

    public int WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length)
        {
            throw new ArgumentException($"A handshake needs {Length} bytes.", nameof(destination));
        }

        Protocol.CopyTo(destination);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(Protocol.Length, 8), (ulong)Extensions);
        InfoHash.CopyTo(destination[(Protocol.Length + 8)..]);
        PeerId.CopyTo(destination[HeaderLength..]);
        return Length;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }
}
