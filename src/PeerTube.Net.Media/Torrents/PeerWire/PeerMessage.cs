namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// One decoded message. <see cref="Payload"/> (bitfield bits, a piece's block, an extended or unknown message's
/// body) points into the reader's buffer and is valid only until the next read.
/// </summary>
public readonly struct PeerMessage
{
    public PeerMessage(PeerMessageType type, int index = 0, int begin = 0, int length = 0, ReadOnlyMemory<byte> payload = default)
    {
        Type = type;
        Index = index;
        Begin = begin;
        Length = length;
        Payload = payload;
    }

    public PeerMessageType Type { get; }

    /// <summary>The piece index of have, request, piece, cancel, suggest, reject and allowed fast; the port of port; the id of extended.</summary>
    public int Index { get; }

    /// <summary>The block's offset within its piece (request, piece, cancel, reject).</summary>
    public int Begin { get; }

    /// <summary>The block's length (request, cancel, reject; the payload's length for piece).</summary>
    public int Length { get; }

    public ReadOnlyMemory<byte> Payload { get; }

    public override string ToString() => Type switch
    {
        PeerMessageType.Request or PeerMessageType.Cancel or PeerMessageType.RejectRequest or PeerMessageType.Piece =>
            $"{Type}(piece {Index}, begin {Begin}, length {Length})",
        PeerMessageType.Have or PeerMessageType.Suggest or PeerMessageType.AllowedFast => $"{Type}(piece {Index})",
        PeerMessageType.Bitfield => $"{Type}({Payload.Length} bytes)",
        _ => Type.ToString(),
    };
}
