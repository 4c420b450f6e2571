using System.Buffers.Binary;

namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// Encodes messages as <c>&lt;length prefix, 4 bytes big-endian&gt;&lt;id&gt;&lt;payload&gt;</c> into a caller's buffer.
/// Each method returns the number of bytes written.
/// </summary>
public static class PeerMessageWriter
{
    public const int PrefixLength = 4;

    /// <summary>choke, unchoke, interested, not interested, have all, have none.</summary>
    public const int SimpleLength = PrefixLength + 1;

    /// <summary>have, suggest, allowed fast.</summary>
    public const int PieceIndexLength = PrefixLength + 5;

    /// <summary>request, cancel, reject request.</summary>
    public const int BlockRequestLength = PrefixLength + 13;

    /// <summary>Everything of a piece message before its block.</summary>
    public const int PieceHeaderLength = PrefixLength + 9;

    public static int WriteKeepAlive(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, 0);
        return PrefixLength;
    }

    /// <summary>A message with no payload: choke, unchoke, interested, not interested, have all or have none.</summary>
    public static int WriteSimple(Span<byte> destination, PeerMessageType type)
    {
        if (type is not (PeerMessageType.Choke or PeerMessageType.Unchoke or PeerMessageType.Interested or PeerMessageType.NotInterested
            or PeerMessageType.HaveAll or PeerMessageType.HaveNone))
        {
            throw new ArgumentException($"{type} carries a payload.", nameof(type));
        }

        return WriteHeader(destination, type, 0);
    }

    /// <summary>have, suggest or allowed fast.</summary>
    public static int WritePieceIndex(Span<byte> destination, PeerMessageType type, int index)
    {
        if (type is not (PeerMessageType.Have or PeerMessageType.Suggest or PeerMessageType.AllowedFast))
        {
            throw new ArgumentException($"{type} is not a piece-index message.", nameof(type));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var header = WriteHeader(destination, type, 4);
        BinaryPrimitives.WriteInt32BigEndian(destination[header..], index);
        return PieceIndexLength;
    }

    public static int WriteHave(Span<byte> destination, int index) => WritePieceIndex(destination, PeerMessageType.Have, index);

    /// <summary>request, cancel or reject request.</summary>
    public static int WriteBlockRequest(Span<byte> destination, PeerMessageType type, int index, int begin, int length)
    {
        if (type is not (PeerMessageType.Request or PeerMessageType.Cancel or PeerMessageType.RejectRequest))
        {
            throw new ArgumentException($"{type} is not a block-request message.", nameof(type));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(begin);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var header = WriteHeader(destination, type, 12);
        BinaryPrimitives.WriteInt32BigEndian(destination[header..], index);
        BinaryPrimitives.WriteInt32BigEndian(destination[(header + 4)..], begin);
        BinaryPrimitives.WriteInt32BigEndian(destination[(header + 8)..], length);
        return BlockRequestLength;
    }

    public static int WriteRequest(Span<byte> destination, int index, int begin, int length) =>
        WriteBlockRequest(destination, PeerMessageType.Request, index, begin, length);

    public static int WriteBitfield(Span<byte> destination, ReadOnlySpan<byte> bits)
    {
        var header = WriteHeader(destination, PeerMessageType.Bitfield, bits.Length);
        bits.CopyTo(destination[header..]);
        return header + bits.Length;
    }

    /// <summary>
    /// The 13 bytes before a block, so the block can be read from disk straight into the same buffer after them.
    /// </summary>
    public static int WritePieceHeader(Span<byte> destination, int index, int begin, int blockLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(begin);
        ArgumentOutOfRangeException.ThrowIfNegative(blockLength);
        var header = WriteHeader(destination, PeerMessageType.Piece, 8 + blockLength);
        BinaryPrimitives.WriteInt32BigEndian(destination[header..], index);
        BinaryPrimitives.WriteInt32BigEndian(destination[(header + 4)..], begin);
        return PieceHeaderLength;
    }

    public static int WritePiece(Span<byte> destination, int index, int begin, ReadOnlySpan<byte> block)
    {
        var header = WritePieceHeader(destination, index, begin, block.Length);
        block.CopyTo(destination[header..]);
        return header + block.Length;
    }

    public static int WritePort(Span<byte> destination, ushort port)
    {
        var header = WriteHeader(destination, PeerMessageType.Port, 2);
        BinaryPrimitives.WriteUInt16BigEndian(destination[header..], port);
        return header + 2;
    }

    /// <summary>BEP 10: <paramref name="extendedId"/> 0 is the extension handshake.</summary>
    public static int WriteExtended(Span<byte> destination, byte extendedId, ReadOnlySpan<byte> payload)
    {
        var header = WriteHeader(destination, PeerMessageType.Extended, 1 + payload.Length);
        destination[header] = extendedId;
        payload.CopyTo(destination[(header + 1)..]);
        return header + 1 + payload.Length;
    }

    private static int WriteHeader(Span<byte> destination, PeerMessageType type, int payloadLength)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, 1 + payloadLength);
        destination[PrefixLength] = (byte)type;
        return PrefixLength + 1;
    }
}
