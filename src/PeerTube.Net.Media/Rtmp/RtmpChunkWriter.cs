using System.Buffers;
using System.Buffers.Binary;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Writes messages as chunks: a fmt 0 header, then fmt 3 continuation chunks at the current chunk size, with the
/// extended timestamp repeated in each when the timestamp needs it. The server sends little (control messages and
/// command replies), so it keeps to the plain form; tests use it to play a client.
/// </summary>
public sealed class RtmpChunkWriter(Stream stream)
{
    /// <summary>Chunk stream ids as ffmpeg and nginx-rtmp use them.</summary>
    public const uint ProtocolControlChunkStream = 2;
    public const uint CommandChunkStream = 3;

    private readonly ArrayBufferWriter<byte> _buffer = new();
    private readonly SemaphoreSlim _lock = new(1, 1);

    public int ChunkSize { get; private set; } = 128;

    /// <summary>Sends Set Chunk Size and uses the new size from the next message on.</summary>
    public async ValueTask SetChunkSizeAsync(int size, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        await WriteAsync(ProtocolControlChunkStream, ControlMessage(RtmpMessageType.SetChunkSize, (uint)size), ct).ConfigureAwait(false);
        ChunkSize = size;
    }

    public static RtmpMessage ControlMessage(RtmpMessageType type, uint value)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, value);
        return new RtmpMessage(type, 0, 0, payload);
    }

    public ValueTask WriteAsync(uint chunkStreamId, RtmpMessage message, CancellationToken ct) =>
        WriteAsync(chunkStreamId, [message], ct);

    /// <summary>Writes the messages in one write, so a reply and its control messages leave together.</summary>
    public async ValueTask WriteAsync(uint chunkStreamId, IReadOnlyList<RtmpMessage> messages, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkStreamId, 2u);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkStreamId, 65599u);
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _buffer.ResetWrittenCount();
            foreach (var message in messages)
            {
                Encode(chunkStreamId, message);
            }

            await stream.WriteAsync(_buffer.WrittenMemory, ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private void Encode(uint csid, RtmpMessage message)
    {
        var extended = message.Timestamp >= 0xFFFFFF;
        var payload = message.Payload.Span;
        var offset = 0;
        do
        {
            BasicHeader(offset == 0 ? 0 : 3, csid);
            if (offset == 0)
            {
                var header = Take(11);
                WriteUInt24(header, extended ? 0xFFFFFF : (int)message.Timestamp);
                WriteUInt24(header[3..], payload.Length);
                header[6] = (byte)message.Type;
                BinaryPrimitives.WriteUInt32LittleEndian(header[7..], message.StreamId);
            }

            if (extended)
            {
                BinaryPrimitives.WriteUInt32BigEndian(Take(4), message.Timestamp);
            }

            var length = Math.Min(ChunkSize, payload.Length - offset);
            payload.Slice(offset, length).CopyTo(Take(length));
            offset += length;
        }
        while (offset < payload.Length);
    }

    private void BasicHeader(int fmt, uint csid)
    {
        if (csid < 64)
        {
            Take(1)[0] = (byte)((fmt << 6) | (int)csid);
        }
        else if (csid < 64 + 256)
        {
            var header = Take(2);
            header[0] = (byte)(fmt << 6);
            header[1] = (byte)(csid - 64);
        }
        else
        {
            var header = Take(3);
            header[0] = (byte)((fmt << 6) | 1);
            header[1] = (byte)((csid - 64) & 0xFF);
            header[2] = (byte)((csid - 64) >> 8);
        }
    }

    private static void WriteUInt24(Span<byte> span, int value)
    {
        span[0] = (byte)(value >> 16);
        span[1] = (byte)(value >> 8);
        span[2] = (byte)value;
    }

    private Span<byte> Take(int count)
    {
        var span = _buffer.GetSpan(count)[..count];
        _buffer.Advance(count);
        return span;
    }
}
