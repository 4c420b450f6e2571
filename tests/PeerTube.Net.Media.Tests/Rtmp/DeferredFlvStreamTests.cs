using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>The live sink's FLV gate: its destination opens with the first tag, told the source's size by onMetaData.</summary>
public sealed class DeferredFlvStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static byte[] Metadata(double width, double height, bool audio = true)
    {
        var properties = new Amf0EcmaArray { { "duration", 0.0 }, { "width", width }, { "height", height }, { "videocodecid", 7.0 } };
        if (audio)
        {
            properties.Add("audiocodecid", 10.0);
        }

        return Amf0Writer.Encode("onMetaData", properties);
    }

    [Fact]
    public void OnMetaData_gives_the_size_and_the_streams()
    {
        var info = FlvStreamInfo.Parse(Metadata(640, 360));
        Assert.Equal(new FlvStreamInfo(640, 360, HasVideo: true, HasAudio: true), info);
        Assert.Equal(360, info!.Resolution);
        Assert.Equal(720, FlvStreamInfo.Parse(Metadata(720, 1280, audio: false))!.Resolution);
        Assert.False(FlvStreamInfo.Parse(Metadata(640, 360, audio: false))!.HasAudio);
        // Sizes nobody streams are not trusted; a cue point or garbage is not metadata.
        Assert.Null(FlvStreamInfo.Parse(Metadata(1e9, -3))!.Resolution);
        Assert.Null(FlvStreamInfo.Parse(Amf0Writer.Encode("onCuePoint", new Amf0Object())));
        Assert.Null(FlvStreamInfo.Parse([0x02, 0x00, 0x40, 0x41]));
    }

    [Fact]
    public async Task The_destination_opens_with_the_metadata_tag_and_receives_every_byte_in_order()
    {
        var output = new MemoryStream();
        FlvStreamInfo? seen = null;
        var opens = 0;
        var gate = new DeferredFlvStream(info => { seen = info; opens++; return output; });
        var flv = new FlvWriter(gate);

        await flv.WriteHeaderAsync(Ct);
        Assert.Equal(0, opens);
        await flv.WriteTagAsync(RtmpMessageType.DataAmf0, 0, Metadata(640, 360), Ct);
        Assert.Equal(1, opens);
        Assert.Equal(360, seen?.Resolution);
        await flv.WriteTagAsync(RtmpMessageType.Video, 40, new byte[] { 0x17, 0, 0, 0, 0 }, Ct);

        var expected = new MemoryStream();
        var direct = new FlvWriter(expected);
        await direct.WriteTagAsync(RtmpMessageType.DataAmf0, 0, Metadata(640, 360), Ct);
        await direct.WriteTagAsync(RtmpMessageType.Video, 40, new byte[] { 0x17, 0, 0, 0, 0 }, Ct);
        Assert.Equal(expected.ToArray(), output.ToArray());
        Assert.Equal(1, opens);
    }

    [Fact]
    public async Task Media_first_opens_without_metadata_and_a_failed_gate_refuses_writes()
    {
        FlvStreamInfo? seen = new(1, 1, true, true);
        var gate = new DeferredFlvStream(info => { seen = info; return new MemoryStream(); });
        var flv = new FlvWriter(gate);
        await flv.WriteTagAsync(RtmpMessageType.Audio, 0, new byte[] { 0xAF, 0x00, 0x12, 0x10 }, Ct);
        Assert.Null(seen);
        Assert.NotNull(gate.Inner);

        var cut = new DeferredFlvStream(_ => throw new InvalidOperationException("must not open"));
        cut.Fail("stopped");
        await Assert.ThrowsAsync<IOException>(async () => await new FlvWriter(cut).WriteHeaderAsync(Ct));
    }
}
