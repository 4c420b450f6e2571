using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

/// <summary>Expected numbers worked out by hand from PeerTube's bitrate.ts: floor(resolution * resolution * ratio * fps * bitsPerPixel).</summary>
public sealed class BitrateTests
{
    private static VideoBitrateRules Rules => TestProfiles.Default.VideoBitrate;

    [Fact]
    public void Aspect_ratio_has_four_decimals_like_PeerTube()
    {
        Assert.Equal(1.7778, VideoBitrates.AspectRatio(1920, 1080));
        Assert.Equal(0.5625, VideoBitrates.AspectRatio(1080, 1920));
        Assert.Equal(0, VideoBitrates.AspectRatio(0, 0));
    }

    [Theory]
    // 1080 * (1080 * 1.7778) * 30 * 0.10 = 6220877.76
    [InlineData(1080, 1.7778, 30, 6_220_877)]
    // 720 * (720 * 1.7778) * 30 * 0.11 = 3041318.016
    [InlineData(720, 1.7778, 30, 3_041_318)]
    // 360 * (360 * 1.7778) * 30 * 0.15 = 1036812.96
    [InlineData(360, 1.7778, 30, 1_036_812)]
    // Portrait: 720 * (720 / 0.5625) * 60 * 0.11 = 6082560
    [InlineData(720, 0.5625, 60, 6_082_560)]
    // 2160 * (2160 * 1.7778) * 60 * 0.08 = 39813617.664
    [InlineData(2160, 1.7778, 60, 39_813_617)]
    // Between rows: 1000p uses the 720p row. 1000 * 1777.8 * 30 * 0.11 = 5866740
    [InlineData(1000, 1.7778, 30, 5_866_740)]
    // Below the table (90p): PeerTube's 192 kbit/s fallback.
    [InlineData(90, 1.7778, 25, 192_000)]
    public void Average_theoretical_bitrate(int resolution, double ratio, double fps, long expected)
    {
        Assert.Equal(expected, VideoBitrates.Average(resolution, ratio, fps, Rules));
    }

    [Theory]
    // 360 * 640.008 * 30 * 0.26 = 1797142.464
    [InlineData(360, 1.7778, 30, 1_797_142)]
    // 1080 * 1920.024 * 30 * 0.17 = 10575492.19
    [InlineData(1080, 1.7778, 30, 10_575_492)]
    [InlineData(90, 1.7778, 30, 256_000)]
    public void Max_theoretical_bitrate(int resolution, double ratio, double fps, long expected)
    {
        Assert.Equal(expected, VideoBitrates.Max(resolution, ratio, fps, Rules));
    }

    [Theory]
    // No input bitrate: the average.
    [InlineData(null, 6_220_877)]
    // Input 2 Mbit/s: capped at input + 30% = 2.6 Mbit/s.
    [InlineData(2_000_000L, 2_600_000)]
    // Input far above: the average wins.
    [InlineData(50_000_000L, 6_220_877)]
    // Tiny input: floored by the minimum, 1080 * 1920.024 * 30 * 0.02 = 1244175.55
    [InlineData(100_000L, 1_244_175)]
    public void Target_is_average_capped_by_input_plus_30_percent_and_floored_by_min(long? input, long expected)
    {
        Assert.Equal(expected, VideoBitrates.Target(input, 1080, 1.7778, 30, Rules));
    }
}
