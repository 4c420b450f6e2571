using System.Buffers.Binary;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Reads chunks (RTMP 1.0, section 5.3) and hands back whole messages. Keeps each chunk stream's last header for
/// the compressed forms (fmt 1–3), reassembles messages whose chunks interleave across chunk streams, and applies
/// the two control messages that change the chunk layer itself: Set Chunk Size and Abort.
/// <para>
/// Bounds, checked before anything is allocated for them: the chunk size, each message's declared length (media
/// and the rest apart), the bytes held in unfinished messages, and the number of chunk streams. A message's buffer
/// grows with what has arrived, not with what its header claims.
/// </para>
/// <para>
/// A fmt 3 chunk that starts a new message adds the previous "timestamp field" again, as ffmpeg reads and writes
/// it (for a fmt 0 header that field is the absolute timestamp).
/// </para>
/// </summary>
public sealed class RtmpChunkReader
{
    private const int DefaultChunkSize = 128;

    private readonly Stream _stream;
    private readonly RtmpOptions _options;
    private readonly RtmpReadGuard? _guard;
    private readonly Dictionary<uint, ChunkStream> _chunkStreams = [];
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _pendingBytes;

    public RtmpChunkReader(Stream stream, RtmpOptions options, RtmpReadGuard? guard = null)
    {
        _stream = stream;
        _options = options;
        _guard = guard;
    }

    /// <summary>The chunk size the peer sends with (128 until it says otherwise).</summary>
    public int ChunkSize { get; private set; } = DefaultChunkSize;

    /// <summary>Bytes taken from the stream so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The next whole message. Set Chunk Size and Abort are applied here and also returned.</summary>
    /// <exception cref="RtmpException">A header or a size beyond our bounds or the protocol.</exception>
    /// <exception cref="EndOfStreamException">The connection closed.</exception>
    public async ValueTask<RtmpMessage> ReadMessageAsync(CancellationToken ct)
    {
        while (true)
        {
            var message = await ReadChunkAsync(ct).ConfigureAwait(false);
            if (message is not { } m)
            {
                continue;
            }

            Apply(m);
            return m;
        }
    }

    private void Apply(RtmpMessage message)
    {
        switch (message.Type)
        {
            case RtmpMessageType.SetChunkSize:
            {
                var size = ReadControlUInt32(message) & 0x7FFFFFFF;
                if (size < 1 || size > _options.MaxChunkSize)
                {
                    throw new RtmpException($"A chunk size of {size} bytes is refused: the limit is 1 to {_options.MaxChunkSize}.");
                }

                ChunkSize = (int)size;
                break;
            }
            case RtmpMessageType.Abort:
            {
                var csid = ReadControlUInt32(message);
                if (_chunkStreams.TryGetValue(csid, out var stream))
                {
                    DropPartial(stream);
                }

                break;
            }
        }
    }

    internal static uint ReadControlUInt32(RtmpMessage message) =>
        message.Payload.Length < 4
            ? throw new RtmpException($"A {message.Type} message of {message.Payload.Length} bytes is too short.")
            : BinaryPrimitives.ReadUInt32BigEndian(message.Payload.Span);

    /// <summary>One chunk; the message it completes, if it does.</summary>
    private async ValueTask<RtmpMessage?> ReadChunkAsync(CancellationToken ct)
    {
        await EnsureAsync(1, ct).ConfigureAwait(false);
        var first = _buffer[_start];
        var fmt = first >> 6;
        uint csid = (uint)(first & 0x3F);
        var basicLength = csid switch { 0 => 2, 1 => 3, _ => 1 };
        await EnsureAsync(basicLength, ct).ConfigureAwait(false);
        if (csid == 0)
        {
            csid = 64u + _buffer[_start + 1];
        }
        else if (csid == 1)
        {
            csid = 64u + _buffer[_start + 1] + (uint)(_buffer[_start + 2] << 8);
        }

        Consume(basicLength);

        if (!_chunkStreams.TryGetValue(csid, out var stream))
        {
            if (fmt != 0)
            {
                throw new RtmpException($"Chunk stream {csid} begins with a fmt {fmt} header, which needs an earlier fmt 0.");
            }

            if (_chunkStreams.Count >= _options.MaxChunkStreams)
            {
                throw new RtmpException($"More than {_options.MaxChunkStreams} chunk streams on one connection.");
            }

            stream = new ChunkStream();
            _chunkStreams[csid] = stream;
        }

        var headerLength = fmt switch { 0 => 11, 1 => 7, 2 => 3, _ => 0 };
        await EnsureAsync(headerLength, ct).ConfigureAwait(false);
        var header = _buffer.AsSpan(_start, headerLength);
        var startsMessage = stream.Received == 0;
        if (fmt < 3)
        {
            if (!startsMessage)
            {
                throw new RtmpException($"Chunk stream {csid} starts a new header (fmt {fmt}) in the middle of a message.");
            }

            stream.TimestampField = (uint)ReadUInt24(header);
            if (fmt < 2)
            {
                stream.Length = ReadUInt24(header[3..]);
                stream.Type = (RtmpMessageType)header[6];
            }

            if (fmt == 0)
            {
                stream.StreamId = BinaryPrimitives.ReadUInt32LittleEndian(header[7..]);
            }

            stream.HasExtendedTimestamp = stream.TimestampField == 0xFFFFFF;
        }

        Consume(headerLength);

        // The extended timestamp follows every chunk of a message whose header needed it, fmt 3 ones included.
        var field = stream.TimestampField;
        if (stream.HasExtendedTimestamp)
        {
            await EnsureAsync(4, ct).ConfigureAwait(false);
            field = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start));
            Consume(4);
        }

        if (startsMessage)
        {
            stream.Timestamp = fmt == 0 ? field : unchecked(stream.Timestamp + field);
            CheckLength(csid, stream);
        }

        var chunkLength = (int)Math.Min(ChunkSize, stream.Length - stream.Received);
        stream.Grow(chunkLength);
        _pendingBytes += chunkLength;
        if (_pendingBytes > _options.MaxPendingBytes)
        {
            throw new RtmpException($"More than {_options.MaxPendingBytes} bytes held in unfinished messages.");
        }

        await ReadExactAsync(stream.Payload.AsMemory(stream.Received, chunkLength), ct).ConfigureAwait(false);
        stream.Received += chunkLength;
        if (stream.Received < stream.Length)
        {
            return null;
        }

        var message = new RtmpMessage(stream.Type, stream.Timestamp, stream.StreamId, stream.Payload.AsMemory(0, stream.Length));
        _pendingBytes -= stream.Received;
        stream.Payload = [];
        stream.Received = 0;
        return message;
    }

    private void CheckLength(uint csid, ChunkStream stream)
    {
        var max = stream.Type is RtmpMessageType.Audio or RtmpMessageType.Video
            ? _options.MaxMediaMessageBytes
            : _options.MaxOtherMessageBytes;
        if (stream.Length > max)
        {
            throw new RtmpException($"A {stream.Type} message of {stream.Length} bytes on chunk stream {csid} exceeds the limit of {max}.");
        }
    }

    private void DropPartial(ChunkStream stream)
    {
        _pendingBytes -= stream.Received;
        stream.Payload = [];
        stream.Received = 0;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> span) => (span[0] << 16) | (span[1] << 8) | span[2];

    private void Consume(int count) => _start += count;

    private async ValueTask EnsureAsync(int count, CancellationToken ct)
    {
        while (_end - _start < count)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            var read = await ReadStreamAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            _end += read;
        }
    }

    private async ValueTask ReadExactAsync(Memory<byte> destination, CancellationToken ct)
    {
        var buffered = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, buffered).CopyTo(destination.Span);
        _start += buffered;
        destination = destination[buffered..];
        while (!destination.IsEmpty)
        {
            var read = await ReadStreamAsync(destination, ct).ConfigureAwait(false);
            destination = destination[read..];
        }
    }

    private async ValueTask<int> ReadStreamAsync(Memory<byte> destination, CancellationToken ct)
    {
        var token = _guard?.Arm() ?? ct;
        var read = await _stream.ReadAsync(destination, token).ConfigureAwait(false);
        if (read == 0)
        {
            throw new EndOfStreamException("The RTMP peer closed the connection.");
        }

        BytesRead += read;
        _guard?.AfterRead(read);
        return read;
    }

    private sealed class ChunkStream
    {
        public uint TimestampField;
        public bool HasExtendedTimestamp;
        public uint Timestamp;
        public int Length;
        public RtmpMessageType Type;
        public uint StreamId;
        public byte[] Payload = [];
        public int Received;

        /// <summary>Room for the next chunk, doubling so a large message costs a few copies, never its declared size up front.</summary>
        public void Grow(int chunkLength)
        {
            var needed = Received + chunkLength;
            if (Payload.Length >= needed)
            {
                return;
            }

            var size = Math.Min(Length, Math.Max(needed, Payload.Length * 2));
            Array.Resize(ref Payload, size);
        }
    }
}
