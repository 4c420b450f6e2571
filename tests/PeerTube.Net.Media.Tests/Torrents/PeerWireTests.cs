using System.Buffers.Binary;
using System.Text;
using PeerTube.Net.Media.Torrents.PeerWire;

namespace PeerTube.Net.Media.Tests.Torrents;

public sealed class PeerWireTests
{
    private static readonly byte[] InfoHash = Enumerable.Range(1, 20).Select(i => (byte)i).ToArray();
    private static readonly byte[] PeerId = "-PN0100-abcdefghijkl"u8.ToArray();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_handshake_round_trips_with_its_reserved_bits()
    {
        var bytes = new PeerHandshake(InfoHash, PeerId, PeerExtensions.Fast | PeerExtensions.ExtensionProtocol).ToArray();

        Assert.Equal(68, bytes.Length);
        Assert.Equal(19, bytes[0]);
        Assert.Equal("BitTorrent protocol", Encoding.ASCII.GetString(bytes, 1, 19));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0x10, 0, 0x04 }, bytes[20..28]);
        var parsed = PeerHandshake.Parse(bytes);
        Assert.Equal(InfoHash, parsed.InfoHash);
        Assert.Equal(PeerId, parsed.PeerId);
        Assert.True(parsed.SupportsFast);
        Assert.True(parsed.Extensions.HasFlag(PeerExtensions.ExtensionProtocol));
        Assert.False(PeerHandshake.Parse(new PeerHandshake(InfoHash, PeerId).ToArray()).SupportsFast);
    }

    [Fact]
    public void A_handshake_with_the_wrong_protocol_or_length_is_refused()
    {
        var good = new PeerHandshake(InfoHash, PeerId).ToArray();

        var wrongPstrLength = (byte[])good.Clone();
        wrongPstrLength[0] = 18;
        Assert.Contains("not 19", Assert.Throws<PeerWireException>(() => PeerHandshake.Parse(wrongPstrLength)).Message);

        var wrongProtocol = (byte[])good.Clone();
        "BitTorrent protocoL"u8.CopyTo(wrongProtocol.AsSpan(1));
        Assert.Contains("BitTorrent protocol", Assert.Throws<PeerWireException>(() => PeerHandshake.Parse(wrongProtocol)).Message);

        Assert.Throws<PeerWireException>(() => PeerHandshake.Parse(good.AsSpan(0, 67)));
        Assert.Throws<PeerWireException>(() => PeerHandshake.ParseHeader(good.AsSpan(0, 47)));
        Assert.Throws<PeerWireException>(() => PeerHandshake.Parse([.. good, 0]));
        Assert.Throws<ArgumentException>(() => new PeerHandshake(InfoHash[..19], PeerId));
    }

    [Fact]
    public async Task The_reader_turns_away_an_HTTP_client_after_its_first_byte()
    {
        // Only "G" has arrived; a reader waiting for 68 bytes would hang until a timeout.
        var reader = new PeerWireReader(new TrickleStream("G"u8.ToArray(), chunk: 1, blockAtEnd: true));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await reader.ReadHandshakeHeaderAsync(timeout.Token));

        Assert.Contains("not a BitTorrent peer", error.Message);
    }

    [Fact]
    public async Task The_reader_reads_a_handshake_in_two_parts_and_then_messages_arriving_a_byte_at_a_time()
    {
        var wire = new MemoryStream();
        wire.Write(new PeerHandshake(InfoHash, PeerId, PeerExtensions.Fast).ToArray());
        var buffer = new byte[64];
        wire.Write(buffer, 0, PeerMessageWriter.WriteSimple(buffer, PeerMessageType.Interested));
        wire.Write(buffer, 0, PeerMessageWriter.WriteRequest(buffer, 3, 16384, 16384));
        var reader = new PeerWireReader(new TrickleStream(wire.ToArray(), chunk: 1));

        var (extensions, infoHash) = await reader.ReadHandshakeHeaderAsync(Ct);
        Assert.Equal(PeerExtensions.Fast, extensions);
        Assert.Equal(InfoHash, infoHash);
        Assert.Equal(PeerId, await reader.ReadPeerIdAsync(Ct));
        Assert.Equal(PeerMessageType.Interested, (await reader.ReadMessageAsync(Ct)).Type);
        var request = await reader.ReadMessageAsync(Ct);
        Assert.Equal((PeerMessageType.Request, 3, 16384, 16384), (request.Type, request.Index, request.Begin, request.Length));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await reader.ReadMessageAsync(Ct));
    }

    public static TheoryData<PeerMessageType> SimpleTypes =>
    [
        PeerMessageType.Choke, PeerMessageType.Unchoke, PeerMessageType.Interested, PeerMessageType.NotInterested,
        PeerMessageType.HaveAll, PeerMessageType.HaveNone,
    ];

    [Theory]
    [MemberData(nameof(SimpleTypes))]
    public async Task Messages_without_payload_round_trip(PeerMessageType type)
    {
        var buffer = new byte[8];
        var length = PeerMessageWriter.WriteSimple(buffer, type);

        Assert.Equal([0, 0, 0, 1, (byte)type], buffer[..length]);
        var message = await ReadOneAsync(buffer[..length]);
        Assert.Equal(type, message.Type);
    }

    [Theory]
    [InlineData(PeerMessageType.Have)]
    [InlineData(PeerMessageType.Suggest)]
    [InlineData(PeerMessageType.AllowedFast)]
    public async Task Piece_index_messages_round_trip(PeerMessageType type)
    {
        var buffer = new byte[16];
        var length = PeerMessageWriter.WritePieceIndex(buffer, type, 70000);

        Assert.Equal(9, length);
        var message = await ReadOneAsync(buffer[..length]);
        Assert.Equal((type, 70000), (message.Type, message.Index));
    }

    [Theory]
    [InlineData(PeerMessageType.Request)]
    [InlineData(PeerMessageType.Cancel)]
    [InlineData(PeerMessageType.RejectRequest)]
    public async Task Block_request_messages_round_trip(PeerMessageType type)
    {
        var buffer = new byte[32];
        var length = PeerMessageWriter.WriteBlockRequest(buffer, type, 12, 32768, 1000);

        Assert.Equal(17, length);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(buffer));
        var message = await ReadOneAsync(buffer[..length]);
        Assert.Equal((type, 12, 32768, 1000), (message.Type, message.Index, message.Begin, message.Length));
    }

    [Fact]
    public async Task Keep_alive_piece_bitfield_port_and_extended_round_trip()
    {
        var block = Enumerable.Range(0, 16384).Select(i => (byte)(i * 7)).ToArray();
        var buffer = new byte[16384 + 64];
        var wire = new MemoryStream();
        wire.Write(buffer, 0, PeerMessageWriter.WriteKeepAlive(buffer));
        wire.Write(buffer, 0, PeerMessageWriter.WritePiece(buffer, 5, 16384, block));
        wire.Write(buffer, 0, PeerMessageWriter.WriteBitfield(buffer, Bitfield.All(11)));
        wire.Write(buffer, 0, PeerMessageWriter.WritePort(buffer, 6881));
        wire.Write(buffer, 0, PeerMessageWriter.WriteExtended(buffer, 0, "d1:md6:ut_pexi1eee"u8));
        var reader = new PeerWireReader(new MemoryStream(wire.ToArray())) { PieceCount = 11 };

        Assert.Equal(PeerMessageType.KeepAlive, (await reader.ReadMessageAsync(Ct)).Type);
        var piece = await reader.ReadMessageAsync(Ct);
        Assert.Equal((PeerMessageType.Piece, 5, 16384, 16384), (piece.Type, piece.Index, piece.Begin, piece.Length));
        Assert.Equal(block, piece.Payload.ToArray());
        var bitfield = await reader.ReadMessageAsync(Ct);
        Assert.Equal(PeerMessageType.Bitfield, bitfield.Type);
        Assert.Equal(new byte[] { 0xFF, 0xE0 }, bitfield.Payload.ToArray());
        var port = await reader.ReadMessageAsync(Ct);
        Assert.Equal((PeerMessageType.Port, 6881), (port.Type, port.Index));
        var extended = await reader.ReadMessageAsync(Ct);
        Assert.Equal((PeerMessageType.Extended, 0), (extended.Type, extended.Index));
        Assert.Equal("d1:md6:ut_pexi1eee", Encoding.ASCII.GetString(extended.Payload.Span));
    }

    [Fact]
    public async Task An_unknown_message_id_is_framed_and_handed_over()
    {
        var message = await ReadOneAsync([0, 0, 0, 3, 42, 1, 2]);

        Assert.Equal((PeerMessageType)42, message.Type);
        Assert.Equal(new byte[] { 1, 2 }, message.Payload.ToArray());
    }

    [Theory]
    [InlineData(16 * 1024 + 1)]
    [InlineData(32 * 1024)]
    [InlineData(0)]
    public async Task A_request_for_a_block_of_a_bad_size_is_refused(int blockLength)
    {
        var buffer = new byte[32];
        var length = PeerMessageWriter.WriteRequest(buffer, 0, 0, blockLength);

        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(buffer[..length]));

        Assert.Contains($"{blockLength} bytes", error.Message);
    }

    [Fact]
    public async Task A_lenient_reader_accepts_the_larger_blocks_it_was_configured_for()
    {
        var buffer = new byte[32];
        var length = PeerMessageWriter.WriteRequest(buffer, 0, 0, 128 * 1024);
        var reader = new PeerWireReader(new MemoryStream(buffer[..length]), new PeerWireLimits { MaxBlockLength = 128 * 1024 });

        Assert.Equal(128 * 1024, (await reader.ReadMessageAsync(Ct)).Length);
    }

    [Fact]
    public async Task An_oversized_length_is_refused_before_its_body_is_read()
    {
        // A 1 GiB "piece": the reader must refuse it from the prefix alone, not try to buffer it.
        var wire = new byte[] { 0x40, 0, 0, 0, (byte)PeerMessageType.Piece };
        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(wire));
        Assert.Contains("exceeds the limit", error.Message);

        var pieceOneByteTooBig = new byte[5];
        BinaryPrimitives.WriteInt32BigEndian(pieceOneByteTooBig, 9 + 16384 + 1);
        pieceOneByteTooBig[4] = (byte)PeerMessageType.Piece;
        error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(pieceOneByteTooBig));
        Assert.Contains("piece message is 10 to 16393 bytes long, not 16394", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 2, 0, 0 })] // choke with a payload
    [InlineData(new byte[] { 0, 0, 0, 4, 4, 0, 0, 0 })] // have, one byte short
    [InlineData(new byte[] { 0, 0, 0, 14, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0 })] // request, one byte long
    [InlineData(new byte[] { 0, 0, 0, 9, 7, 0, 0, 0, 0, 0, 0, 0, 0 })] // piece without a block
    [InlineData(new byte[] { 0, 0, 0, 2, 9, 0 })] // port, one byte short
    [InlineData(new byte[] { 0, 0, 0, 1, 20 })] // extended without its id
    public async Task A_message_whose_length_does_not_fit_its_type_is_refused(byte[] wire)
    {
        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(wire));

        Assert.Contains("bytes long", error.Message);
    }

    [Fact]
    public async Task A_bitfield_must_fit_the_piece_count_and_leave_spare_bits_zero()
    {
        Assert.Equal(new byte[] { 0xFF, 0xFF, 0x80 }, Bitfield.All(17));
        Assert.Equal(new byte[] { 0xFF }, Bitfield.All(8));
        Assert.True(Bitfield.Has(Bitfield.All(17), 16));
        Assert.False(Bitfield.Has(Bitfield.All(17), 17));

        var spareBitSet = new byte[] { 0, 0, 0, 3, 5, 0xFF, 0xF0 };
        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(spareBitSet, pieceCount: 11));
        Assert.Contains("spare bits", error.Message);

        var wrongLength = new byte[] { 0, 0, 0, 2, 5, 0xFF };
        error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(wrongLength, pieceCount: 11));
        Assert.Contains("bitfield message is 3 bytes long, not 2", error.Message);

        var exact = await ReadOneAsync([0, 0, 0, 3, 5, 0xFF, 0xE0], pieceCount: 11);
        Assert.Equal(2, exact.Payload.Length);
        // Before the piece count is known, any bitfield within the limit is framed.
        Assert.Equal(2, (await ReadOneAsync(spareBitSet)).Payload.Length);
    }

    [Fact]
    public async Task A_piece_index_beyond_the_torrent_is_refused_once_the_piece_count_is_known()
    {
        var buffer = new byte[32];
        var length = PeerMessageWriter.WriteHave(buffer, 11);

        Assert.Equal(11, (await ReadOneAsync(buffer[..length])).Index);
        var error = await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(buffer[..length], pieceCount: 11));
        Assert.Contains("has 11", error.Message);

        var huge = new byte[] { 0, 0, 0, 13, 6, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0 };
        Assert.Contains("beyond any torrent", (await Assert.ThrowsAsync<PeerWireException>(async () => await ReadOneAsync(huge))).Message);
    }

    [Fact]
    public async Task A_connection_closed_mid_message_is_an_end_of_stream()
    {
        var error = await Assert.ThrowsAsync<EndOfStreamException>(async () => await ReadOneAsync([0, 0, 0, 5, 4, 0, 0]));

        Assert.Contains("middle of a message", error.Message);
    }

    [Fact]
    public async Task A_large_bitfield_grows_the_buffer_once_and_keeps_the_bytes_that_followed()
    {
        const int pieces = 300_000; // 37,500 bytes: more than the initial buffer
        var bits = Bitfield.All(pieces);
        var buffer = new byte[bits.Length + 64];
        var wire = new MemoryStream();
        wire.Write(buffer, 0, PeerMessageWriter.WriteHave(buffer, 1));
        wire.Write(buffer, 0, PeerMessageWriter.WriteBitfield(buffer, bits));
        wire.Write(buffer, 0, PeerMessageWriter.WriteSimple(buffer, PeerMessageType.Unchoke));
        var reader = new PeerWireReader(new TrickleStream(wire.ToArray(), chunk: 7000)) { PieceCount = pieces };

        Assert.Equal(PeerMessageType.Have, (await reader.ReadMessageAsync(Ct)).Type);
        Assert.Equal(bits, (await reader.ReadMessageAsync(Ct)).Payload.ToArray());
        Assert.Equal(PeerMessageType.Unchoke, (await reader.ReadMessageAsync(Ct)).Type);
    }

    [Fact]
    public async Task Reading_messages_allocates_nothing_per_message()
    {
        const int count = 5000;
        var wire = new MemoryStream();
        var buffer = new byte[64];
        for (var i = 0; i < count; i++)
        {
            wire.Write(buffer, 0, PeerMessageWriter.WriteRequest(buffer, i % 50, 16384 * (i % 4), 16384));
            wire.Write(buffer, 0, PeerMessageWriter.WriteKeepAlive(buffer));
        }

        wire.Position = 0;
        var reader = new PeerWireReader(wire);
        for (var i = 0; i < 100; i++)
        {
            await reader.ReadMessageAsync(Ct); // warm up
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0L;
        for (var i = 100; i < 2 * count; i++)
        {
            sum += (await reader.ReadMessageAsync(Ct)).Length;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((count - 50) * 16384L, sum);
        // Refilling the buffer may allocate (a debug build's async state machine); a message must not: under a byte each.
        Assert.True(allocated < 2 * count - 100, $"{allocated} bytes allocated for {2 * count - 100} messages");
    }

    [Fact]
    public void Writers_refuse_types_that_do_not_match_their_shape()
    {
        var buffer = new byte[32];

        Assert.Throws<ArgumentException>(() => PeerMessageWriter.WriteSimple(buffer, PeerMessageType.Have));
        Assert.Throws<ArgumentException>(() => PeerMessageWriter.WritePieceIndex(buffer, PeerMessageType.Request, 1));
        Assert.Throws<ArgumentException>(() => PeerMessageWriter.WriteBlockRequest(buffer, PeerMessageType.Piece, 1, 0, 1));
    }

    private static async Task<PeerMessage> ReadOneAsync(byte[] wire, int? pieceCount = null)
    {
        var reader = new PeerWireReader(new MemoryStream(wire)) { PieceCount = pieceCount };
        return await reader.ReadMessageAsync(Ct);
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per read, as a slow network does; optionally never ends.</summary>
    private sealed class TrickleStream(byte[] data, int chunk, bool blockAtEnd = false) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position == data.Length && blockAtEnd)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            var count = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
