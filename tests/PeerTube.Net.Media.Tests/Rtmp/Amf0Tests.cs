using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Media.Tests.Rtmp;

public sealed class RtmpAmf0Tests
{
    [Fact]
    public void Known_byte_vectors_encode_as_the_spec_says()
    {
        Assert.Equal([0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0], Amf0Writer.Encode(1.0));
        Assert.Equal([0x01, 0x01], Amf0Writer.Encode(true));
        Assert.Equal([0x02, 0x00, 0x07, .. "connect"u8], Amf0Writer.Encode("connect"));
        Assert.Equal([0x05], Amf0Writer.Encode([null]));
        Assert.Equal([0x06], Amf0Writer.Encode(Amf0Undefined.Value));
        Assert.Equal([0x03, 0x00, 0x03, .. "app"u8, 0x02, 0x00, 0x04, .. "live"u8, 0x00, 0x00, 0x09],
            Amf0Writer.Encode(new Amf0Object { { "app", "live" } }));
        Assert.Equal([0x08, 0, 0, 0, 1, 0x00, 0x01, (byte)'w', 0x00, 0x40, 0x64, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x09],
            Amf0Writer.Encode(new Amf0EcmaArray { { "w", 160.0 } }));
        Assert.Equal([0x0A, 0, 0, 0, 2, 0x05, 0x01, 0x00], Amf0Writer.Encode(new List<object?> { null, false }));
        Assert.Equal([0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Amf0Writer.Encode(DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Every_type_round_trips()
    {
        var longString = new string('x', 70_000);
        object?[] values =
        [
            -2.5, false, "héllo", longString, null, Amf0Undefined.Value,
            new Amf0Object { { "level", "status" }, { "nested", new Amf0Object { { "n", 3.0 } } } },
            new Amf0EcmaArray { { "duration", 0.0 }, { "encoder", "Lavf" } },
            new List<object?> { 1.0, "two", null },
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123),
        ];

        var bytes = Amf0Writer.Encode(values);
        Assert.Equal((byte)Amf0Marker.LongString, bytes[1 + 8 + 2 + 1 + 2 + "héllo"u8.Length]);
        var read = new Amf0Reader(bytes).ReadAll();

        Assert.Equal(values.Length, read.Count);
        Assert.Equal(-2.5, read[0]);
        Assert.Equal(false, read[1]);
        Assert.Equal("héllo", read[2]);
        Assert.Equal(longString, read[3]);
        Assert.Null(read[4]);
        Assert.Same(Amf0Undefined.Value, read[5]);
        var obj = Assert.IsType<Amf0Object>(read[6]);
        Assert.Equal("status", obj.GetString("level"));
        Assert.Equal(3.0, ((Amf0Object)obj["nested"]!)["n"]);
        var ecma = Assert.IsType<Amf0EcmaArray>(read[7]);
        Assert.Equal(["duration", "encoder"], ecma.Select(p => p.Key));
        Assert.Equal(new List<object?> { 1.0, "two", null }, read[8]);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), read[9]);
        Assert.Equal(bytes, Amf0Writer.Encode([.. read]));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x3F })] // A number cut short.
    [InlineData(new byte[] { 0x02, 0x00, 0x09, 0x61 })] // A string longer than what is left.
    [InlineData(new byte[] { 0x03, 0x00, 0x01, 0x61 })] // An object without its end.
    [InlineData(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF, 0xFF })] // A strict array claiming 4 billion items.
    [InlineData(new byte[] { 0x11 })] // AMF3 switch: not AMF0.
    [InlineData(new byte[] { 0x0B, 0x7F, 0xF0, 0, 0, 0, 0, 0, 0, 0, 0 })] // A date of +infinity.
    public void Malformed_data_is_an_RtmpException(byte[] bytes) =>
        Assert.Throws<RtmpException>(() => new Amf0Reader(bytes).ReadAll());

    [Fact]
    public void Deep_nesting_is_refused_rather_than_recursed()
    {
        var bytes = Enumerable.Repeat(new byte[] { 0x0A, 0, 0, 0, 1 }, 10_000).SelectMany(b => b).ToArray();

        Assert.Contains("nested", Assert.Throws<RtmpException>(() => new Amf0Reader(bytes).ReadAll()).Message);
    }

    [Fact]
    public void A_setDataFrame_or_a_bare_onMetaData_gives_the_FLV_script_body_untouched()
    {
        var metadata = new Amf0EcmaArray { { "width", 160.0 }, { "height", 90.0 } };
        var message = Amf0Writer.Encode("@setDataFrame", "onMetaData", metadata);

        var body = FlvWriter.MetadataBody(message);

        Assert.Equal(Amf0Writer.Encode("onMetaData", metadata), body!.Value.ToArray());
        Assert.Null(FlvWriter.MetadataBody(Amf0Writer.Encode("onCuePoint", 1.0)));
        Assert.Null(FlvWriter.MetadataBody(Amf0Writer.Encode("@setDataFrame", "onCuePoint", 1.0)));
        var bare = Amf0Writer.Encode("onMetaData", metadata);
        Assert.Equal(bare, FlvWriter.MetadataBody(bare)!.Value.ToArray());
    }
}
