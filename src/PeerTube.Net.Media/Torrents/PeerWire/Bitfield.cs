namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>BEP 3 bitfields: piece 0 is the high bit of the first byte; the spare bits of the last byte are zero.</summary>
public static class Bitfield
{
    public static int ByteLength(int pieceCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pieceCount);
        return (int)(((long)pieceCount + 7) / 8);
    }

    /// <summary>Sets the bit of every piece, leaving the spare bits zero.</summary>
    public static void SetAll(Span<byte> bits, int pieceCount)
    {
        var length = ByteLength(pieceCount);
        if (bits.Length < length)
        {
            throw new ArgumentException($"{pieceCount} pieces need {length} bytes.", nameof(bits));
        }

        bits[..length].Fill(0xFF);
        var spare = length * 8 - pieceCount;
        if (spare > 0)
        {
            bits[length - 1] = (byte)(0xFF << spare);
        }
    }

    public static byte[] All(int pieceCount)
    {
        var bits = new byte[ByteLength(pieceCount)];
        SetAll(bits, pieceCount);
        return bits;
    }

    public static bool Has(ReadOnlySpan<byte> bits, int index) =>
        index >= 0 && index / 8 < bits.Length && (bits[index / 8] & (0x80 >> (index % 8))) != 0;

    public static void Set(Span<byte> bits, int index) => bits[index / 8] |= (byte)(0x80 >> (index % 8));

    /// <exception cref="PeerWireException">The length does not match the piece count, or a spare bit is set.</exception>
    public static void Validate(ReadOnlySpan<byte> bits, int pieceCount)
    {
        var length = ByteLength(pieceCount);
        if (bits.Length != length)
        {
            throw new PeerWireException($"A bitfield for {pieceCount} pieces is {length} bytes, not {bits.Length}.");
        }

        var spare = length * 8 - pieceCount;
        if (spare > 0 && (bits[^1] & ((1 << spare) - 1)) != 0)
        {
            throw new PeerWireException($"The bitfield sets spare bits past piece {pieceCount - 1}.");
        }
    }
}
