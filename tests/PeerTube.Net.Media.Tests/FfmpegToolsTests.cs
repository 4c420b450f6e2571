using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests;

public sealed class FfmpegToolsTests
{
    [Fact]
    public async Task Detect_reports_version_and_the_encoders_the_default_profile_needs()
    {
        var capabilities = await FfmpegTools.DetectAsync(new FfmpegTools(), TestContext.Current.CancellationToken);

        Assert.Matches(@"^n?\d", capabilities.Version);
        Assert.Contains("libx264", capabilities.Encoders);
        Assert.Contains("aac", capabilities.Encoders);
        Assert.DoesNotContain("=", capabilities.Encoders);
        Assert.Empty(TestProfiles.Default.MissingEncoders(capabilities));
    }

    [Fact]
    public async Task Detect_with_a_missing_binary_says_how_to_fix_it()
    {
        var tools = new FfmpegTools(FfmpegPath: "/nonexistent/bin/ffmpeg");

        var ex = await Assert.ThrowsAsync<FfmpegNotFoundException>(() => FfmpegTools.DetectAsync(tools, TestContext.Current.CancellationToken));

        Assert.Equal(
            "ffmpeg was not found at '/nonexistent/bin/ffmpeg'; install it (apt-get install ffmpeg) or set Transcoding:FfmpegPath",
            ex.Message);
    }

    [Fact]
    public async Task Probe_with_a_missing_ffprobe_is_a_configuration_error_not_a_bad_file()
    {
        using var dir = new TempDirectory();
        var file = dir.File("something.mp4");
        await File.WriteAllBytesAsync(file, [1, 2, 3], TestContext.Current.CancellationToken);
        var prober = new MediaProber(new FfmpegTools(FfprobePath: "/nonexistent/ffprobe"));

        var ex = await Assert.ThrowsAsync<FfmpegNotFoundException>(() => prober.ProbeAsync(file, TestContext.Current.CancellationToken));

        Assert.Contains("Transcoding:FfprobePath", ex.Message);
        Assert.Equal("ffprobe", ex.ToolName);
    }

    [Fact]
    public void Encoder_list_parsing_skips_the_legend()
    {
        const string output = """
            Encoders:
             V..... = Video
             A..... = Audio
             ------
             V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
             VFS... mjpeg                MJPEG (Motion JPEG)
             A..... aac                  AAC (Advanced Audio Coding)
            """;

        var encoders = FfmpegTools.ParseEncoders(output);

        Assert.Equal(["aac", "libx264", "mjpeg"], encoders.Order());
    }

    [Theory]
    [InlineData("ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc 12", "5.1.9-0+deb12u1")]
    [InlineData("ffmpeg version n7.1 Copyright (c) 2000-2024", "n7.1")]
    public void Version_is_the_token_after_ffmpeg_version(string output, string expected)
    {
        Assert.Equal(expected, FfmpegTools.ParseVersion(output));
    }
}
