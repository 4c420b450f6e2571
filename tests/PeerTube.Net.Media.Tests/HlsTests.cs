using System.Security.Cryptography;
using PeerTube.Net.Media.Hls;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests;

public sealed class HlsTests
{
    // What ffmpeg 5.1 writes for -hls_flags single_file -hls_segment_type fmp4.
    private const string MediaPlaylist = """
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:4
        #EXT-X-MEDIA-SEQUENCE:0
        #EXT-X-PLAYLIST-TYPE:VOD
        #EXT-X-MAP:URI="0-fragmented.mp4",BYTERANGE="765@0"
        #EXTINF:4.010667,
        #EXT-X-BYTERANGE:61356@765
        0-fragmented.mp4
        #EXTINF:0.021333,
        #EXT-X-BYTERANGE:536@62121
        0-fragmented.mp4
        #EXT-X-ENDLIST
        """;

    [Fact]
    public void Byte_ranges_are_the_segments_not_the_init_section()
    {
        var ranges = HlsPlaylists.ParseSegmentByteRanges(MediaPlaylist);

        Assert.Equal([new ByteRange(765, 61356), new ByteRange(62121, 536)], ranges);
    }

    [Fact]
    public void Byte_ranges_tolerate_CRLF_and_continue_without_offset()
    {
        var text = "#EXTM3U\r\n#EXT-X-BYTERANGE:100@50\r\nf.mp4\r\n#EXT-X-BYTERANGE:20\r\nf.mp4\r\n";

        Assert.Equal([new ByteRange(50, 100), new ByteRange(150, 20)], HlsPlaylists.ParseSegmentByteRanges(text));
        Assert.Throws<FormatException>(() => HlsPlaylists.ParseSegmentByteRanges("#EXT-X-BYTERANGE:20\nf.mp4"));
        Assert.Empty(HlsPlaylists.ParseSegmentByteRanges("#EXTM3U\n#EXT-X-ENDLIST\n"));
    }

    [Fact]
    public void Master_playlist_is_PeerTube_style()
    {
        var master = HlsPlaylists.BuildMaster(
        [
            new MasterPlaylistVariant("abc-720.m3u8", 2_500_000, 1280, 720, 30, "avc1.64001f,mp4a.40.2"),
            new MasterPlaylistVariant("abc-240.m3u8", 400_000, 426, 240, 29.97, "avc1.64000d,mp4a.40.2"),
            new MasterPlaylistVariant("abc-0.m3u8", 130_000, null, null, null, "mp4a.40.2"),
        ]);

        Assert.Equal(
            "#EXTM3U\n" +
            "#EXT-X-VERSION:3\n" +
            "\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,FRAME-RATE=30,CODECS=\"avc1.64001f,mp4a.40.2\"\n" +
            "abc-720.m3u8\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=400000,RESOLUTION=426x240,FRAME-RATE=29.97,CODECS=\"avc1.64000d,mp4a.40.2\"\n" +
            "abc-240.m3u8\n" +
            "#EXT-X-STREAM-INF:BANDWIDTH=130000,CODECS=\"mp4a.40.2\"\n" +
            "abc-0.m3u8\n",
            master);
    }

    [Fact]
    public void Master_playlist_refuses_values_that_would_break_the_format()
    {
        Assert.Throws<ArgumentException>(() => HlsPlaylists.BuildMaster([new MasterPlaylistVariant("a.m3u8\n#EXT-X-ENDLIST", 1, null, null, null, "mp4a.40.2")]));
        Assert.Throws<ArgumentException>(() => HlsPlaylists.BuildMaster([new MasterPlaylistVariant("a.m3u8", 1, null, null, null, "mp4a.40.2\",X=\"")]));
    }

    [Theory]
    [InlineData("h264", "High", 31, "avc1.64001f")]
    [InlineData("h264", "High", 30, "avc1.64001e")]
    [InlineData("h264", "Main", 40, "avc1.4D4028")]
    [InlineData("h264", "Constrained Baseline", 13, "avc1.42E00d")]
    [InlineData("h264", "Something new", 51, "avc1.640033")]
    [InlineData("h264", "High", null, "avc1.640028")]
    [InlineData("hevc", "Main", 93, "hev1.1.6.L93.B0")]
    [InlineData("vp9", "Profile 0", null, "vp09.00.50.08")]
    [InlineData("av1", "Main", 8, "av01.0.08M.08")]
    public void Video_codec_strings(string codec, string profile, int? level, string expected)
    {
        Assert.Equal(expected, CodecStrings.ForVideo(new VideoStreamInfo(codec, 1280, 720, 30, null, "yuv420p", profile, level)));
    }

    [Theory]
    [InlineData("aac", "LC", "mp4a.40.2")]
    [InlineData("aac", "HE-AAC", "mp4a.40.5")]
    [InlineData("mp3", null, "mp4a.40.34")]
    [InlineData("opus", null, "opus")]
    [InlineData("something", null, "mp4a.40.2")]
    public void Audio_codec_strings(string codec, string? profile, string expected)
    {
        Assert.Equal(expected, CodecStrings.ForAudio(new AudioStreamInfo(codec, 2, 48000, null, profile)));
    }

    [Fact]
    public async Task Segment_hashes_cover_exactly_the_listed_ranges()
    {
        using var dir = new TempDirectory();
        var data = new byte[200_000];
        new Random(7).NextBytes(data);
        var file = dir.File("x-fragmented.mp4");
        var playlist = dir.File("x.m3u8");
        await File.WriteAllBytesAsync(file, data, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(
            playlist,
            "#EXT-X-MAP:URI=\"x-fragmented.mp4\",BYTERANGE=\"100@0\"\n#EXT-X-BYTERANGE:150000@100\nx\n#EXT-X-BYTERANGE:49900@150100\nx\n",
            TestContext.Current.CancellationToken);

        var hashes = await SegmentHashes.ComputeAsync(playlist, file, TestContext.Current.CancellationToken);

        Assert.Equal(["100-150099", "150100-199999"], hashes.Keys);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data.AsSpan(100, 150_000))), hashes["100-150099"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data.AsSpan(150_100, 49_900))), hashes["150100-199999"]);
    }

    [Fact]
    public async Task Segment_hashes_fail_when_the_file_is_shorter_than_the_playlist_says()
    {
        using var dir = new TempDirectory();
        var file = dir.File("x-fragmented.mp4");
        var playlist = dir.File("x.m3u8");
        await File.WriteAllBytesAsync(file, new byte[1000], TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(playlist, "#EXT-X-BYTERANGE:5000@0\nx\n", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<InvalidDataException>(() => SegmentHashes.ComputeAsync(playlist, file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Segment_hash_json_is_keyed_by_fragmented_file_name()
    {
        var json = SegmentHashes.ToJson(new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            ["abc-720-fragmented.mp4"] = new Dictionary<string, string> { ["1375-435942"] = "aa11", ["435943-500000"] = "bb22" },
            ["abc-0-fragmented.mp4"] = new Dictionary<string, string> { ["765-62120"] = "cc33" },
        });

        Assert.Equal(
            """{"abc-720-fragmented.mp4":{"1375-435942":"aa11","435943-500000":"bb22"},"abc-0-fragmented.mp4":{"765-62120":"cc33"}}""",
            json);
    }
}
