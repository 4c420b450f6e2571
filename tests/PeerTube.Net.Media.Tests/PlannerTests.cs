using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

public sealed class PlannerTests
{
    private static readonly AudioStreamInfo StereoAac = new("aac", 2, 48000, 128_000, "LC");

    [Fact]
    public void A_1080p_input_gets_the_whole_ladder_down_to_144p_plus_audio()
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, bitrate: 50_000_000), TestProfiles.Default);

        Assert.Equal([1080, 720, 480, 360, 240, 144, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.Equal(
            [(1920, 1080), (1280, 720), (854, 480), (640, 360), (426, 240), (256, 144), (0, 0)],
            plan.Renditions.Select(r => (r.Width, r.Height)));
        Assert.All(plan.Renditions.SkipLast(1), r => Assert.False(r.AudioOnly));
        Assert.True(plan.Renditions[^1] is { AudioOnly: true, HasAudio: true, VideoBitrate: 0 });
        Assert.All(plan.Renditions, r => Assert.True(r.HasAudio));
    }

    [Fact]
    public void Bitrates_follow_getTargetBitrate_per_rendition()
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, bitrate: 50_000_000), TestProfiles.NoCopy);

        // Input far above every average: each rendition gets its average theoretical bitrate.
        Assert.Equal(6_220_877, plan.Renditions[0].VideoBitrate);
        Assert.Equal(3_041_318, plan.Renditions[1].VideoBitrate);
    }

    [Fact]
    public void Bitrates_are_capped_by_the_input_bitrate_plus_30_percent()
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, bitrate: 2_000_000), TestProfiles.NoCopy);

        Assert.Equal(2_600_000, plan.Renditions.Single(r => r.Resolution == 1080).VideoBitrate);
        Assert.Equal(2_600_000, plan.Renditions.Single(r => r.Resolution == 720).VideoBitrate);
        // 480p average 0.12 * 480 * 853.344 * 30 = 1474578 < 2.6 Mbit/s
        Assert.Equal(1_474_578, plan.Renditions.Single(r => r.Resolution == 480).VideoBitrate);
    }

    [Fact]
    public void A_90p_input_gets_its_own_resolution_and_audio()
    {
        var plan = LadderPlanner.Plan(Input(160, 90), TestProfiles.Default);

        Assert.Equal([90, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.Equal((160, 90), (plan.Renditions[0].Width, plan.Renditions[0].Height));
    }

    [Fact]
    public void A_non_standard_resolution_is_added_on_top_of_the_smaller_profile_ones()
    {
        var plan = LadderPlanner.Plan(Input(1778, 1000), TestProfiles.Default);

        Assert.Equal([1000, 720, 480, 360, 240, 144, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.Equal((1778, 1000), (plan.Renditions[0].Width, plan.Renditions[0].Height));
    }

    [Fact]
    public void Odd_input_sizes_are_rounded_down_to_even_never_up()
    {
        var plan = LadderPlanner.Plan(Input(641, 361), TestProfiles.Default);

        Assert.Equal([360, 240, 144, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.All(plan.Renditions.SkipLast(1), r => Assert.True(r.Width % 2 == 0 && r.Height % 2 == 0 && r.Width <= 641 && r.Height <= 361));
    }

    [Fact]
    public void Portrait_uses_the_width_as_resolution()
    {
        var plan = LadderPlanner.Plan(Input(1080, 1920), TestProfiles.Default);

        Assert.Equal([1080, 720, 480, 360, 240, 144, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.Equal((1080, 1920), (plan.Renditions[0].Width, plan.Renditions[0].Height));
        Assert.Equal((720, 1280), (plan.Renditions[1].Width, plan.Renditions[1].Height));
        Assert.Equal((144, 256), (plan.Renditions[5].Width, plan.Renditions[5].Height));
    }

    [Fact]
    public void An_audio_only_input_gives_only_the_audio_rendition()
    {
        var input = new MediaInfo(TimeSpan.FromMinutes(3), 192_000, "mp3", null, new AudioStreamInfo("mp3", 2, 44100, 192_000, null));

        var plan = LadderPlanner.Plan(input, TestProfiles.Default with { AudioOnlyRendition = false });

        var rendition = Assert.Single(plan.Renditions);
        Assert.Equal((0, true, true, false), (rendition.Resolution, rendition.AudioOnly, rendition.HasAudio, rendition.CopyAudio));
        Assert.Equal(192_000, rendition.AudioBitrate);
    }

    [Fact]
    public void An_8K_input_is_capped_at_2160p_and_not_copied()
    {
        var plan = LadderPlanner.Plan(Input(7680, 4320, bitrate: 1_000_000), TestProfiles.Default);

        Assert.Equal(2160, plan.Renditions[0].Resolution);
        Assert.Equal((3840, 2160), (plan.Renditions[0].Width, plan.Renditions[0].Height));
        Assert.DoesNotContain(plan.Renditions, r => r.CopyVideo);
        Assert.Equal(9, plan.Renditions.Count);
    }

    [Fact]
    public void Video_without_audio_has_no_audio_rendition()
    {
        var plan = LadderPlanner.Plan(Input(640, 360, audio: null), TestProfiles.Default);

        Assert.Equal([360, 240, 144], plan.Renditions.Select(r => r.Resolution));
        Assert.All(plan.Renditions, r => Assert.False(r.HasAudio));
    }

    [Fact]
    public void The_profile_can_turn_off_the_audio_rendition()
    {
        var plan = LadderPlanner.Plan(Input(640, 360), TestProfiles.Default with { AudioOnlyRendition = false });

        Assert.DoesNotContain(plan.Renditions, r => r.AudioOnly);
    }

    [Fact]
    public void Quick_transcode_copies_the_top_rendition_when_PeerTube_would()
    {
        // 1.5 Mbit/s is below 1080p30's max theoretical 10.5 Mbit/s.
        var plan = LadderPlanner.Plan(Input(1920, 1080, bitrate: 1_500_000), TestProfiles.Default);

        var top = plan.Renditions[0];
        Assert.True(top.CopyVideo);
        Assert.Equal(1_400_000, top.VideoBitrate);
        Assert.All(plan.Renditions.Skip(1), r => Assert.False(r.CopyVideo));
        Assert.All(plan.Renditions, r => Assert.True(r.CopyAudio));
        Assert.All(plan.Renditions, r => Assert.Null(r.AudioBitrate));
    }

    [Theory]
    [InlineData("hevc", "yuv420p", 30, 1_500_000L)]
    [InlineData("h264", "yuv422p", 30, 1_500_000L)]
    [InlineData("h264", "yuv420p", 120, 1_500_000L)]
    [InlineData("h264", "yuv420p", 1, 1_500_000L)]
    [InlineData("h264", "yuv420p", 30, 20_000_000L)]
    [InlineData("h264", "yuv420p", 30, null)]
    public void Quick_transcode_is_refused_outside_PeerTube_conditions(string codec, string pixelFormat, double fps, long? bitrate)
    {
        var video = new VideoStreamInfo(codec, 1920, 1080, fps, bitrate, pixelFormat, "High", 40);
        var input = new MediaInfo(TimeSpan.FromSeconds(10), bitrate, "mov,mp4,m4a,3gp,3g2,mj2", video, StereoAac);

        var plan = LadderPlanner.Plan(input, TestProfiles.Default);

        Assert.DoesNotContain(plan.Renditions, r => r.CopyVideo);
    }

    [Fact]
    public void Quick_transcode_is_refused_when_the_profile_forbids_it()
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, bitrate: 1_500_000), TestProfiles.NoCopy);

        Assert.DoesNotContain(plan.Renditions, r => r.CopyVideo || r.CopyAudio);
    }

    [Theory]
    [InlineData("aac", 6, 384_000L, false)]
    [InlineData("aac", 2, 500_000L, false)]
    [InlineData("aac", 2, null, false)]
    [InlineData("opus", 2, 128_000L, false)]
    [InlineData("aac", 1, 64_000L, true)]
    public void Audio_copy_follows_canDoQuickAudioTranscode(string codec, int channels, long? bitrate, bool expected)
    {
        var input = Input(640, 360, audio: new AudioStreamInfo(codec, channels, 48000, bitrate, "LC"));

        var plan = LadderPlanner.Plan(input, TestProfiles.Default);

        Assert.All(plan.Renditions, r => Assert.Equal(expected, r.CopyAudio));
    }

    [Theory]
    // getMaxAudioKBitrate: keep the input bitrate up to 384 kbit/s; unknown is 256, or 384 for FLAC.
    [InlineData("opus", 96_000L, 96_000L)]
    [InlineData("mp3", 320_400L, 320_000L)]
    [InlineData("pcm_s16le", 1_536_000L, 384_000L)]
    [InlineData("vorbis", null, 256_000L)]
    [InlineData("flac", null, 384_000L)]
    public void Audio_bitrate_follows_getMaxAudioKBitrate(string codec, long? inputBitrate, long expected)
    {
        var plan = LadderPlanner.Plan(Input(640, 360, audio: new AudioStreamInfo(codec, 2, 48000, inputBitrate, null)), TestProfiles.Default);

        Assert.All(plan.Renditions, r => Assert.Equal(expected, r.AudioBitrate));
    }

    [Fact]
    public void High_frame_rates_are_kept_at_720p_and_above_and_halved_below()
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, fps: 60), TestProfiles.Default);

        Assert.Equal(
            [(1080, 60d), (720, 60d), (480, 30d), (360, 30d), (240, 30d), (144, 30d), (0, 0d)],
            plan.Renditions.Select(r => (r.Resolution, r.Fps)));
    }

    [Theory]
    // 50 fps is divisible by 25, not 30.
    [InlineData(50, 480, 25)]
    // 29.97 is rounded like PeerTube does.
    [InlineData(29.97, 480, 30)]
    // 48 fps -> 24.
    [InlineData(48, 360, 24)]
    // Above the max everywhere, even on the top rendition: 120 -> 60.
    [InlineData(120, 1080, 60)]
    // Below the min: raised to 1.
    [InlineData(0.5, 1080, 1)]
    // Unknown: the highest standard frame rate.
    [InlineData(0, 1080, 30)]
    public void Frame_rate_rules(double inputFps, int resolution, double expected)
    {
        var plan = LadderPlanner.Plan(Input(1920, 1080, fps: inputFps), TestProfiles.Default);

        Assert.Equal(expected, plan.Renditions.Single(r => r.Resolution == resolution).Fps);
    }

    private static MediaInfo Input(int width, int height, double fps = 30, long? bitrate = 5_000_000, AudioStreamInfo? audio = null, bool noAudio = false)
    {
        var video = new VideoStreamInfo("h264", width, height, fps, bitrate is null ? null : bitrate - 100_000, "yuv420p", "High", 40);
        return new MediaInfo(TimeSpan.FromSeconds(10), bitrate, "mov,mp4,m4a,3gp,3g2,mj2", video, noAudio ? null : audio ?? StereoAac);
    }

    private static MediaInfo Input(int width, int height, AudioStreamInfo? audio) =>
        Input(width, height, audio: audio, noAudio: audio is null);
}
