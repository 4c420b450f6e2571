using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests;

public sealed class ProbeTests(GeneratedMedia media)
{
    private readonly MediaProber _prober = new(new FfmpegTools());

    [Fact]
    public async Task Probes_a_video_with_audio()
    {
        var info = await _prober.ProbeAsync(await media.Landscape360, TestContext.Current.CancellationToken);

        Assert.InRange(info.Duration.TotalSeconds, 3.9, 4.1);
        Assert.Contains("mp4", info.FormatName);
        Assert.True(info.BitRate > 0);

        var video = Assert.IsType<VideoStreamInfo>(info.Video);
        Assert.Equal(("h264", 640, 360, 30d, "yuv420p", "High"), (video.Codec, video.Width, video.Height, video.Fps, video.PixelFormat, video.Profile));
        Assert.Equal(30, video.Level);
        Assert.True(video.BitRate > 0);

        var audio = Assert.IsType<AudioStreamInfo>(info.Audio);
        Assert.Equal(("aac", 1, 48000, "LC"), (audio.Codec, audio.Channels, audio.SampleRate, audio.Profile));
        Assert.True(audio.BitRate > 0);
    }

    [Fact]
    public async Task Audio_only_file_probes_fine_without_video()
    {
        var info = await _prober.ProbeAsync(await media.AudioOnly, TestContext.Current.CancellationToken);

        Assert.Null(info.Video);
        Assert.Equal("aac", info.Audio?.Codec);
        Assert.InRange(info.Duration.TotalSeconds, 1.9, 2.2);
    }

    [Fact]
    public async Task Cover_art_is_not_a_video_stream()
    {
        var info = await _prober.ProbeAsync(await media.Mp3WithCover, TestContext.Current.CancellationToken);

        Assert.Null(info.Video);
        Assert.Equal("mp3", info.Audio?.Codec);
    }

    [Fact]
    public async Task Rotation_swaps_width_and_height()
    {
        var info = await _prober.ProbeAsync(await media.Rotated, TestContext.Current.CancellationToken);

        Assert.Equal((180, 320), (info.Video!.Width, info.Video.Height));
        Assert.Null(info.Audio);
    }

    [Fact]
    public async Task Garbage_bytes_are_unreadable()
    {
        using var dir = new TempDirectory();
        var path = dir.File("garbage.mp4");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<UnreadableMediaException>(() => _prober.ProbeAsync(path, TestContext.Current.CancellationToken));

        Assert.DoesNotContain(dir.Path, ex.Message);
    }

    [Fact]
    public async Task Zero_length_file_is_unreadable()
    {
        using var dir = new TempDirectory();
        var path = dir.File("empty.mp4");
        await File.WriteAllBytesAsync(path, [], TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<UnreadableMediaException>(() => _prober.ProbeAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("The file is empty.", ex.Message);
    }

    [Fact]
    public async Task Missing_file_is_unreadable()
    {
        await Assert.ThrowsAsync<UnreadableMediaException>(
            () => _prober.ProbeAsync("/nonexistent/upload.mp4", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Truncated_mp4_without_its_moov_is_unreadable()
    {
        using var dir = new TempDirectory();
        var path = dir.File("truncated.mp4");
        // Without faststart the moov atom is at the end, so the first half has none.
        var whole = await File.ReadAllBytesAsync(await media.Landscape360, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(path, whole.AsSpan(0, whole.Length / 2).ToArray(), TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<UnreadableMediaException>(() => _prober.ProbeAsync(path, TestContext.Current.CancellationToken));

        Assert.Equal("ffprobe could not read the file: moov atom not found; Invalid data found when processing input", ex.Message);
    }
}

/// <summary>
/// ffprobe JSON edge cases that are hard to produce as real files, read through FFMpegCore's <c>FFProbe.FromJson</c>.
/// Durations are sexagesimal because FFMpegCore always probes with <c>-sexagesimal</c> (it reads plain seconds as zero).
/// </summary>
public sealed class FfprobeOutputTests
{
    private const string Video = """{ "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080, "avg_frame_rate": "30000/1001", "pix_fmt": "yuv420p", "level": -99 }""";
    private const string Audio = """{ "codec_type": "audio", "codec_name": "opus", "channels": 2, "sample_rate": "48000" }""";

    [Fact]
    public void No_streams_is_unreadable()
    {
        var ex = Assert.Throws<UnreadableMediaException>(() => FfprobeOutput.Parse("""{ "streams": [], "format": { "duration": "0:00:04.000000" } }"""));
        Assert.Equal("The file has neither a video nor an audio stream.", ex.Message);
    }

    [Theory]
    [InlineData("""{ "duration": "0:00:00.000000" }""")]
    [InlineData("""{ "duration": "N/A" }""")]
    [InlineData("""{ }""")]
    public void Zero_or_unknown_duration_is_unreadable(string format)
    {
        var ex = Assert.Throws<UnreadableMediaException>(() => FfprobeOutput.Parse($$"""{ "streams": [{{Video}}], "format": {{format}} }"""));
        Assert.Contains("duration", ex.Message);
    }

    [Theory]
    [InlineData(100000, 1080)]
    [InlineData(1920, 0)]
    [InlineData(1, 1)]
    public void Absurd_dimensions_are_unreadable(int width, int height)
    {
        var json = $$"""{ "streams": [{ "codec_type": "video", "codec_name": "h264", "width": {{width}}, "height": {{height}} }], "format": { "duration": "0:00:04.000000" } }""";

        var ex = Assert.Throws<UnreadableMediaException>(() => FfprobeOutput.Parse(json));
        Assert.Contains($"{width}x{height}", ex.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public void Unparseable_output_is_unreadable(string output)
    {
        Assert.Throws<UnreadableMediaException>(() => FfprobeOutput.Parse(output));
    }

    [Fact]
    public void Duration_falls_back_to_stream_durations()
    {
        var json = $$"""
            { "streams": [
                { "codec_type": "audio", "codec_name": "aac", "channels": 2, "sample_rate": "44100", "duration": "0:00:03.500000" },
                { "codec_type": "video", "codec_name": "vp9", "width": 640, "height": 360, "tags": { "DURATION": "00:00:05.120000000" } } ],
              "format": { "format_name": "matroska,webm" } }
            """;

        var info = FfprobeOutput.Parse(json);

        Assert.Equal(TimeSpan.FromSeconds(5.12), info.Duration);
        Assert.Null(info.BitRate);
        Assert.Null(info.Video!.BitRate);
    }

    [Fact]
    public void Fractional_frame_rate_unknown_level_and_attached_pictures()
    {
        var json = $$"""
            { "streams": [
                { "codec_type": "video", "codec_name": "mjpeg", "width": 500, "height": 500, "disposition": { "attached_pic": 1 } },
                {{Video}}, {{Audio}} ],
              "format": { "duration": "0:00:10.500000", "bit_rate": "1234567", "format_name": "matroska,webm" } }
            """;

        var info = FfprobeOutput.Parse(json);

        Assert.Equal(1920, info.Video!.Width);
        Assert.Equal(30000d / 1001, info.Video.Fps, 6);
        Assert.Null(info.Video.Level);
        Assert.Equal(1234567, info.BitRate);
        Assert.Equal(("opus", 2, 48000), (info.Audio!.Codec, info.Audio.Channels, info.Audio.SampleRate));
        Assert.Equal(TimeSpan.FromSeconds(10.5), info.Duration);
    }

    [Theory]
    [InlineData("""{ "side_data_list": [{ "side_data_type": "Display Matrix", "rotation": -90 }] }""", 1080, 1920)]
    [InlineData("""{ "side_data_list": [{ "side_data_type": "Display Matrix", "rotation": 180 }] }""", 1920, 1080)]
    [InlineData("""{ "tags": { "rotate": "270" } }""", 1080, 1920)]
    public void Rotation_sources(string extra, int width, int height)
    {
        var stream = Video.TrimEnd('}') + "," + extra.Trim().TrimStart('{');
        var info = FfprobeOutput.Parse($$"""{ "streams": [{{stream}}], "format": { "duration": "0:00:01.000000" } }""");

        Assert.Equal((width, height), (info.Video!.Width, info.Video.Height));
    }
}
