using System.Buffers.Binary;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Media.Tests.Rtmp;

public sealed class RtmpChunkStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Builds chunks by hand, so each header form is exactly the one under test.</summary>
    private sealed class Chunks
    {
        private readonly List<byte> _bytes = [];

        public byte[] ToArray() => [.. _bytes];

        public Chunks Basic(int fmt, uint csid)
        {
            if (csid < 64)
            {
                _bytes.Add((byte)((fmt << 6) | (int)csid));
            }
            else if (csid < 320)
            {
                _bytes.AddRange([(byte)(fmt << 6), (byte)(csid - 64)]);
            }
            else
            {
                _bytes.AddRange([(byte)((fmt << 6) | 1), (byte)((csid - 64) & 0xFF), (byte)((csid - 64) >> 8)]);
            }

            return this;
        }

        public Chunks Fmt0(uint csid, uint timestamp, int length, RtmpMessageType type, uint streamId = 1)
        {
            Basic(0, csid);
            UInt24(Math.Min(timestamp, 0xFFFFFF));
            UInt24((uint)length);
            _bytes.Add((byte)type);
            var id = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(id, streamId);
            _bytes.AddRange(id);
            return ExtendedIf(timestamp);
        }

        public Chunks Fmt1(uint csid, uint delta, int length, RtmpMessageType type)
        {
            Basic(1, csid);
            UInt24(Math.Min(delta, 0xFFFFFF));
            UInt24((uint)length);
            _bytes.Add((byte)type);
            return ExtendedIf(delta);
        }

        public Chunks Fmt2(uint csid, uint delta)
        {
            Basic(2, csid);
            UInt24(Math.Min(delta, 0xFFFFFF));
            return ExtendedIf(delta);
        }

        public Chunks Fmt3(uint csid, uint? extended = null)
        {
            Basic(3, csid);
            return extended is { } e ? ExtendedIf(e, force: true) : this;
        }

        public Chunks Payload(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        private Chunks ExtendedIf(uint value, bool force = false)
        {
            if (value >= 0xFFFFFF || force)
            {
                var ext = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(ext, value);
                _bytes.AddRange(ext);
            }

            return this;
        }

        private void UInt24(uint value) => _bytes.AddRange([(byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }

    private static async Task<List<RtmpMessage>> ReadAllAsync(byte[] bytes, RtmpOptions? options = null)
    {
        var reader = new RtmpChunkReader(new MemoryStream(bytes), options ?? new RtmpOptions());
        var messages = new List<RtmpMessage>();
        try
        {
            while (true)
            {
                messages.Add(await reader.ReadMessageAsync(Ct));
            }
        }
        catch (EndOfStreamException)
        {
            return messages;
        }
    }

    private static byte[] Fill(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    [Fact]
    public async Task Messages_interleaved_across_chunk_streams_are_reassembled()
    {
        // A 300-byte video message and a 200-byte audio message, chunked at 128 and interleaved.
        var bytes = new Chunks()
            .Fmt0(6, 40, 300, RtmpMessageType.Video).Payload(Fill(128, 0xAA))
            .Fmt0(4, 41, 200, RtmpMessageType.Audio).Payload(Fill(128, 0xBB))
            .Fmt3(6).Payload(Fill(128, 0xAA))
            .Fmt3(4).Payload(Fill(72, 0xBB))
            .Fmt3(6).Payload(Fill(44, 0xAA))
            .ToArray();

        var messages = await ReadAllAsync(bytes);

        Assert.Equal(2, messages.Count);
        Assert.Equal((RtmpMessageType.Audio, 41u, 200), (messages[0].Type, messages[0].Timestamp, messages[0].Payload.Length));
        Assert.All(messages[0].Payload.ToArray(), b => Assert.Equal(0xBB, b));
        Assert.Equal((RtmpMessageType.Video, 40u, 300, 1u), (messages[1].Type, messages[1].Timestamp, messages[1].Payload.Length, messages[1].StreamId));
        Assert.All(messages[1].Payload.ToArray(), b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public async Task Compressed_headers_fmt_1_to_3_reuse_the_previous_fields()
    {
        var bytes = new Chunks()
            .Fmt0(4, 1000, 3, RtmpMessageType.Audio, streamId: 7).Payload(1, 2, 3)
            .Fmt1(4, 23, 2, RtmpMessageType.Audio).Payload(4, 5) // New length, delta 23.
            .Fmt2(4, 20).Payload(6, 7) // Same length and type, delta 20.
            .Fmt3(4).Payload(8, 9) // Everything again, delta 20 again.
            .ToArray();

        var messages = await ReadAllAsync(bytes);

        Assert.Equal([1000u, 1023u, 1043u, 1063u], messages.Select(m => m.Timestamp));
        Assert.All(messages, m => Assert.Equal((RtmpMessageType.Audio, 7u), (m.Type, m.StreamId)));
        Assert.Equal([[1, 2, 3], [4, 5], [6, 7], [8, 9]], messages.Select(m => m.Payload.ToArray()));
    }

    [Fact]
    public async Task A_fmt_3_new_message_after_fmt_0_adds_the_timestamp_field_as_ffmpeg_does()
    {
        // ffmpeg sends fmt 3 when the delta equals the previous header's timestamp field, absolute for fmt 0.
        var bytes = new Chunks()
            .Fmt0(4, 500, 1, RtmpMessageType.Audio).Payload(1)
            .Fmt3(4).Payload(2)
            .ToArray();

        Assert.Equal([500u, 1000u], (await ReadAllAsync(bytes)).Select(m => m.Timestamp));
    }

    [Fact]
    public async Task Extended_timestamps_are_read_in_every_chunk_of_the_message()
    {
        const uint Big = 0x01_00_00_05; // Past 24 bits: ~4.6 hours.
        var bytes = new Chunks()
            .Fmt0(6, Big, 130, RtmpMessageType.Video).Payload(Fill(128, 1))
            .Fmt3(6, extended: Big).Payload(Fill(2, 1))
            .Fmt2(6, 0x01_00_00_00).Payload(Fill(128, 2))
            .Fmt3(6, extended: 0x01_00_00_00).Payload(Fill(2, 2))
            .ToArray();

        var messages = await ReadAllAsync(bytes);

        Assert.Equal([Big, Big + 0x01_00_00_00], messages.Select(m => m.Timestamp));
        Assert.Equal([130, 130], messages.Select(m => m.Payload.Length));
    }

    [Fact]
    public async Task Two_and_three_byte_chunk_stream_ids_are_their_own_streams()
    {
        var bytes = new Chunks()
            .Fmt0(64, 1, 1, RtmpMessageType.Audio).Payload(0x40)
            .Fmt0(319, 2, 1, RtmpMessageType.Audio).Payload(0x41)
            .Fmt0(320, 3, 1, RtmpMessageType.Audio).Payload(0x42)
            .Fmt0(65599, 4, 1, RtmpMessageType.Audio).Payload(0x43)
            .Fmt2(64, 10).Payload(0x44)
            .ToArray();

        var messages = await ReadAllAsync(bytes);

        Assert.Equal([0x40, 0x41, 0x42, 0x43, 0x44], messages.Select(m => m.Payload.Span[0]));
        Assert.Equal(11u, messages[4].Timestamp);
    }

    [Fact]
    public async Task Set_chunk_size_mid_stream_changes_how_the_next_chunks_are_cut()
    {
        var bytes = new Chunks()
            .Fmt0(2, 0, 4, RtmpMessageType.SetChunkSize, streamId: 0).Payload(0, 0, 1, 0) // 256.
            .Fmt0(6, 0, 300, RtmpMessageType.Video).Payload(Fill(256, 3))
            .Fmt3(6).Payload(Fill(44, 3))
            .ToArray();
        var reader = new RtmpChunkReader(new MemoryStream(bytes), new RtmpOptions());

        Assert.Equal(RtmpMessageType.SetChunkSize, (await reader.ReadMessageAsync(Ct)).Type);
        Assert.Equal(256, reader.ChunkSize);
        Assert.Equal(300, (await reader.ReadMessageAsync(Ct)).Payload.Length);
    }

    [Fact]
    public async Task Abort_discards_the_partial_message()
    {
        var bytes = new Chunks()
            .Fmt0(6, 0, 200, RtmpMessageType.Video).Payload(Fill(128, 9))
            .Fmt0(2, 0, 4, RtmpMessageType.Abort, streamId: 0).Payload(0, 0, 0, 6)
            .Fmt0(6, 5, 2, RtmpMessageType.Video).Payload(1, 2)
            .ToArray();

        var messages = await ReadAllAsync(bytes);

        Assert.Equal([RtmpMessageType.Abort, RtmpMessageType.Video], messages.Select(m => m.Type));
        Assert.Equal([1, 2], messages[1].Payload.ToArray());
    }

    [Fact]
    public async Task What_our_writer_sends_our_reader_reads_back()
    {
        var stream = new MemoryStream();
        var writer = new RtmpChunkWriter(stream);
        await writer.SetChunkSizeAsync(1000, Ct);
        var big = new RtmpMessage(RtmpMessageType.Video, 0x0123_4567, 1, Fill(5000, 7));
        await writer.WriteAsync(70, big, Ct);
        await writer.WriteAsync(400, new RtmpMessage(RtmpMessageType.Audio, 3, 1, Fill(10, 8)), Ct);

        var messages = await ReadAllAsync(stream.ToArray());

        Assert.Equal(3, messages.Count);
        Assert.Equal((big.Type, big.Timestamp, 5000), (messages[1].Type, messages[1].Timestamp, messages[1].Payload.Length));
        Assert.Equal((RtmpMessageType.Audio, 3u), (messages[2].Type, messages[2].Timestamp));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(1024u * 1024 + 1)]
    public async Task A_chunk_size_outside_the_bound_is_refused(uint size)
    {
        var payload = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, size);
        var bytes = new Chunks().Fmt0(2, 0, 4, RtmpMessageType.SetChunkSize, streamId: 0).Payload(payload).ToArray();

        var error = await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(bytes));
        Assert.Contains("chunk size", error.Message);
    }

    [Fact]
    public async Task An_oversize_message_is_refused_from_its_header_before_its_bytes()
    {
        var options = new RtmpOptions { MaxMediaMessageBytes = 10_000, MaxOtherMessageBytes = 500 };

        var video = new Chunks().Fmt0(6, 0, 10_001, RtmpMessageType.Video).ToArray();
        Assert.Contains("exceeds the limit of 10000", (await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(video, options))).Message);

        var command = new Chunks().Fmt0(3, 0, 501, RtmpMessageType.CommandAmf0).ToArray();
        Assert.Contains("exceeds the limit of 500", (await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(command, options))).Message);

        // Within the bound, nothing is allocated up front: the message just waits for its bytes.
        var ok = new Chunks().Fmt0(6, 0, 10_000, RtmpMessageType.Video).Payload(1).ToArray();
        Assert.Empty(await ReadAllAsync(ok, options));
    }

    [Fact]
    public async Task Too_many_chunk_streams_or_pending_bytes_are_refused()
    {
        var options = new RtmpOptions { MaxChunkStreams = 4, MaxPendingBytes = 2000 };
        var streams = new Chunks();
        for (uint csid = 3; csid < 8; csid++)
        {
            streams.Fmt0(csid, 0, 1, RtmpMessageType.Audio).Payload(0);
        }

        Assert.Contains("chunk streams", (await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(streams.ToArray(), options))).Message);

        var pending = new Chunks();
        for (uint csid = 3; csid < 7; csid++)
        {
            pending.Fmt0(csid, 0, 100_000, RtmpMessageType.Video).Payload(Fill(128, 0));
            pending.Fmt3(csid).Payload(Fill(128, 0));
            pending.Fmt3(csid).Payload(Fill(128, 0));
            pending.Fmt3(csid).Payload(Fill(128, 0));
        }

        Assert.Contains("unfinished", (await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(pending.ToArray(), options))).Message);
    }

    [Fact]
    public async Task A_compressed_header_without_a_first_fmt_0_is_refused()
    {
        var bytes = new Chunks().Fmt1(5, 0, 1, RtmpMessageType.Audio).Payload(0).ToArray();

        Assert.Contains("fmt 0", (await Assert.ThrowsAsync<RtmpException>(() => ReadAllAsync(bytes))).Message);
    }
}
