using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PeerTube.Net.Media.Torrents.PeerWire;

/// <summary>
/// Reads the handshake and then length-prefixed messages from a stream, validating every length before reading
/// the body. Reads are buffered in one array that only grows for a legitimately large message (a bitfield of a
/// huge torrent), so decoding a message allocates nothing; a message's payload is valid until the next read.
/// </summary>
public sealed class PeerWireReader
{
    private const int InitialCapacity = PeerMessageWriter.PieceHeaderLength + PeerWireLimits.StandardBlockLength;

    private readonly Stream _stream;
    private readonly PeerWireLimits _limits;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public PeerWireReader(Stream stream, PeerWireLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _limits = limits ?? PeerWireLimits.Default;
        _buffer = new byte[Math.Max(InitialCapacity, PeerMessageWriter.PieceHeaderLength + _limits.MaxBlockLength)];
    }

    /// <summary>Once known, bitfields must match it exactly and piece indexes must fall below it.</summary>
    public int? PieceCount { get; set; }

    /// <summary>Reads the protocol, reserved bits and info-hash, refusing a stranger as soon as its first bytes give it away.</summary>
    /// <exception cref="PeerWireException">Not a BitTorrent handshake.</exception>
    /// <exception cref="EndOfStreamException">The connection closed first.</exception>
    public async ValueTask<(PeerExtensions Extensions, byte[] InfoHash)> ReadHandshakeHeaderAsync(CancellationToken ct)
    {
        await EnsureAsync(1, ct).ConfigureAwait(false);
        PeerHandshake.ValidateProtocol(_buffer.AsSpan(_start, 1));
        await EnsureAsync(20, ct).ConfigureAwait(false);
        PeerHandshake.ValidateProtocol(_buffer.AsSpan(_start, 20));
        await EnsureAsync(PeerHandshake.HeaderLength, ct).ConfigureAwait(false);
        var header = PeerHandshake.ParseHeader(_buffer.AsSpan(_start, PeerHandshake.HeaderLength));
        _start += PeerHandshake.HeaderLength;
        return header;
    }

    /// <summary>The handshake's last 20 bytes, which an initiator may send only after seeing ours.</summary>
    public async ValueTask<byte[]> ReadPeerIdAsync(CancellationToken ct)
    {
        await EnsureAsync(PeerHandshake.PeerIdLength, ct).ConfigureAwait(false);
        var peerId = _buffer.AsSpan(_start, PeerHandshake.PeerIdLength).ToArray();
        _start += PeerHandshake.PeerIdLength;
        return peerId;
    }

    public async ValueTask<PeerHandshake> ReadHandshakeAsync(CancellationToken ct)
    {
        var (extensions, infoHash) = await ReadHandshakeHeaderAsync(ct).ConfigureAwait(false);
        var peerId = await ReadPeerIdAsync(ct).ConfigureAwait(false);
        return new PeerHandshake(infoHash, peerId, extensions);
    }

    /// <summary>
    /// The next message. One already buffered whole is decoded synchronously; the reader only awaits the stream
    /// when it needs more bytes, and checks each length as soon as it is visible, before reading what it announces.
    /// </summary>
    /// <exception cref="PeerWireException">A length or a field no honest peer sends; the message names it.</exception>
    /// <exception cref="EndOfStreamException">The connection closed.</exception>
    public ValueTask<PeerMessage> ReadMessageAsync(CancellationToken ct)
    {
        try
        {
            if (TryReadBuffered(out var message))
            {
                return new ValueTask<PeerMessage>(message);
            }
        }
        catch (PeerWireException e)
        {
            return ValueTask.FromException<PeerMessage>(e);
        }

        return ReadMessageSlowAsync(ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PeerMessage> ReadMessageSlowAsync(CancellationToken ct)
    {
        PeerMessage message;
        while (!TryReadBuffered(out message))
        {
            await FillAsync(BytesNeeded(), ct).ConfigureAwait(false);
        }

        return message;
    }

    private bool TryReadBuffered(out PeerMessage message)
    {
        var needed = BytesNeeded();
        if (_end - _start < needed)
        {
            message = default;
            return false;
        }

        if (needed == PeerMessageWriter.PrefixLength)
        {
            _start += PeerMessageWriter.PrefixLength;
            message = new PeerMessage(PeerMessageType.KeepAlive);
            return true;
        }

        var type = (PeerMessageType)_buffer[_start + PeerMessageWriter.PrefixLength];
        var body = _buffer.AsMemory(_start + PeerMessageWriter.PrefixLength + 1, needed - PeerMessageWriter.PrefixLength - 1);
        _start += needed;
        message = Decode(type, body);
        return true;
    }

    /// <summary>How many bytes from the read position the next message takes, as far as can be told; validates what is visible.</summary>
    private int BytesNeeded()
    {
        var buffered = _end - _start;
        if (buffered < PeerMessageWriter.PrefixLength)
        {
            return PeerMessageWriter.PrefixLength;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start));
        if (length == 0)
        {
            return PeerMessageWriter.PrefixLength;
        }

        if (length > MaxMessageLength)
        {
            throw new PeerWireException($"A message of {length} bytes exceeds the limit of {MaxMessageLength}.");
        }

        if (buffered < PeerMessageWriter.PrefixLength + 1)
        {
            return PeerMessageWriter.PrefixLength + 1;
        }

        CheckLength((PeerMessageType)_buffer[_start + PeerMessageWriter.PrefixLength], (int)length);
        return PeerMessageWriter.PrefixLength + (int)length;
    }

    private int MaxMessageLength =>
        Math.Max(9 + _limits.MaxBlockLength, 1 + Math.Max(_limits.MaxOtherLength, PieceCount is { } n ? Bitfield.ByteLength(n) : 0));

    private void CheckLength(PeerMessageType type, int length)
    {
        var (min, max) = type switch
        {
            PeerMessageType.Choke or PeerMessageType.Unchoke or PeerMessageType.Interested or PeerMessageType.NotInterested
                or PeerMessageType.HaveAll or PeerMessageType.HaveNone => (1, 1),
            PeerMessageType.Have or PeerMessageType.Suggest or PeerMessageType.AllowedFast => (5, 5),
            PeerMessageType.Request or PeerMessageType.Cancel or PeerMessageType.RejectRequest => (13, 13),
            PeerMessageType.Piece => (10, 9 + _limits.MaxBlockLength),
            PeerMessageType.Bitfield when PieceCount is { } n => (1 + Bitfield.ByteLength(n), 1 + Bitfield.ByteLength(n)),
            PeerMessageType.Port => (3, 3),
            PeerMessageType.Extended => (2, 1 + _limits.MaxOtherLength),
            _ => (1, 1 + _limits.MaxOtherLength),
        };
        if (length < min || length > max)
        {
            var expected = min == max ? $"{min}" : $"{min} to {max}";
            throw new PeerWireException($"A {Describe(type)} message is {expected} bytes long, not {length}.");
        }
    }

    private PeerMessage Decode(PeerMessageType type, ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        switch (type)
        {
            case PeerMessageType.Have or PeerMessageType.Suggest or PeerMessageType.AllowedFast:
                return new PeerMessage(type, ReadIndex(type, span));

            case PeerMessageType.Request or PeerMessageType.Cancel or PeerMessageType.RejectRequest:
            {
                var index = ReadIndex(type, span);
                var begin = ReadInt(type, "begin", span[4..]);
                var length = ReadInt(type, "length", span[8..]);
                if (length == 0 || length > _limits.MaxBlockLength)
                {
                    throw new PeerWireException(
                        $"A {Describe(type)} for a block of {length} bytes is refused: blocks are 1 to {_limits.MaxBlockLength} bytes.");
                }

                return new PeerMessage(type, index, begin, length);
            }

            case PeerMessageType.Piece:
            {
                var block = body[8..];
                return new PeerMessage(type, ReadIndex(type, span), ReadInt(type, "begin", span[4..]), block.Length, block);
            }

            case PeerMessageType.Bitfield:
                if (PieceCount is { } pieces)
                {
                    Bitfield.Validate(span, pieces);
                }

                return new PeerMessage(type, length: body.Length, payload: body);

            case PeerMessageType.Port:
                return new PeerMessage(type, BinaryPrimitives.ReadUInt16BigEndian(span));

            case PeerMessageType.Extended:
                return new PeerMessage(type, span[0], length: body.Length - 1, payload: body[1..]);

            default:
                return new PeerMessage(type, length: body.Length, payload: body);
        }
    }

    private int ReadIndex(PeerMessageType type, ReadOnlySpan<byte> span)
    {
        var index = ReadInt(type, "piece index", span);
        if (PieceCount is { } n && index >= n)
        {
            throw new PeerWireException($"A {Describe(type)} names piece {index}; the torrent has {n}.");
        }

        return index;
    }

    private static int ReadInt(PeerMessageType type, string field, ReadOnlySpan<byte> span)
    {
        var value = BinaryPrimitives.ReadUInt32BigEndian(span);
        return value <= int.MaxValue
            ? (int)value
            : throw new PeerWireException($"A {Describe(type)} has a {field} of {value}, beyond any torrent.");
    }

    private static string Describe(PeerMessageType type) =>
        Enum.IsDefined(type) ? type.ToString().ToLowerInvariant() : $"type-{(int)type}";

    private ValueTask EnsureAsync(int count, CancellationToken ct) =>
        _end - _start >= count ? ValueTask.CompletedTask : FillAsync(count, ct);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync(int count, CancellationToken ct)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _start < count)
        {
            var buffered = _end - _start;
            if (_buffer.Length < count)
            {
                // Only after the length was checked against the limits: a bitfield of a torrent with many pieces.
                var larger = new byte[Math.Max(count, _buffer.Length * 2)];
                _buffer.AsSpan(_start, buffered).CopyTo(larger);
                _buffer = larger;
            }
            else
            {
                _buffer.AsSpan(_start, buffered).CopyTo(_buffer);
            }

            _start = 0;
            _end = buffered;
        }

        while (_end - _start < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException(_end == _start
                    ? "The peer closed the connection."
                    : "The peer closed the connection in the middle of a message.");
            }

            _end += read;
        }
    }
}
