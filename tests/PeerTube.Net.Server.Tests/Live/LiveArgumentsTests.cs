using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Rtmp;
using PeerTube.Net.Server.Features.Live;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>The live ladder's plan (PeerTube's live resolutions) and the ffmpeg arguments it gives; no server, no ffmpeg.</summary>
public sealed class LiveArgumentsTests
{
    private static readonly TranscodingProfile Profile = TranscodingProfile.Load(new TranscodingOptions().ResolveProfilePath());

    private static IEnumerable<int> Resolutions(LivePlan plan) => plan.Renditions.Select(r => r.Resolution);

    [Fact]
    public void The_ladder_never_goes_above_the_source_nor_MaxResolution_and_is_highest_first()
    {
        var live = new LiveOptions { MaxResolution = 720 };
        var ladder = new LiveTranscodingOptions();

        Assert.Equal([360, 240, 144], Resolutions(LiveArguments.Plan(new FlvStreamInfo(640, 360, true, true), Profile, live, ladder)));
        // A 1080p source is brought down to 720p; a 500p one keeps its own resolution on top.
        Assert.Equal([720, 480, 360, 240, 144], Resolutions(LiveArguments.Plan(new FlvStreamInfo(1920, 1080, true, true), Profile, live, ladder)));
        Assert.Equal([500, 480, 360, 240, 144], Resolutions(LiveArguments.Plan(new FlvStreamInfo(888, 500, true, true), Profile, live, ladder)));
        // Configured resolutions, without the source's own.
        var configured = new LiveTranscodingOptions { Resolutions = [240, 480], AlwaysTranscodeOriginalResolution = false };
        var plan = LiveArguments.Plan(new FlvStreamInfo(360, 640, true, false), Profile, live, configured);
        Assert.Equal([240], Resolutions(plan));
        Assert.True(plan.Portrait);
        Assert.Equal(["0.m3u8"], plan.Renditions.Select(r => r.Playlist));
    }

    [Fact]
    public void Without_transcoding_the_source_is_copied_and_without_metadata_one_rendition_is_encoded()
    {
        var copied = LiveArguments.Plan(new FlvStreamInfo(640, 360, true, true), Profile, new LiveOptions(), new LiveTranscodingOptions { Enabled = false });
        Assert.True(copied.Copy);
        Assert.Equal([360], Resolutions(copied));
        var args = LiveArguments.Build("/hls", "abc", Profile, LiveLatencyMode.Default, new LiveOptions(), copied);
        Assert.Contains("copy", args);
        Assert.DoesNotContain("-filter_complex", args);

        var unknown = LiveArguments.Plan(null, Profile, new LiveOptions(), new LiveTranscodingOptions());
        Assert.False(unknown.Ladder);
        Assert.Equal([0], Resolutions(unknown));
        Assert.Equal("/hls/0.m3u8", LiveArguments.Build("/hls", "abc", Profile, LiveLatencyMode.Default, new LiveOptions(), unknown)[^1]);
    }

    [Fact]
    public void A_ladder_is_one_split_one_encoder_per_rendition_and_PeerTubes_variant_playlists()
    {
        var plan = LiveArguments.Plan(new FlvStreamInfo(640, 360, true, true), Profile, new LiveOptions(),
            new LiveTranscodingOptions { Resolutions = [240] });
        var args = LiveArguments.Build("/hls", "abc", Profile, LiveLatencyMode.SmallLatency, new LiveOptions(), plan).ToList();

        Assert.Equal("[0:v:0]split=2[s0][s1];[s0]scale=-2:360,format=yuv420p[v0];[s1]scale=-2:240,format=yuv420p[v1]",
            args[args.IndexOf("-filter_complex") + 1]);
        Assert.Equal("v:0,a:0 v:1,a:1", args[args.IndexOf("-var_stream_map") + 1]);
        Assert.Contains("-maxrate:v:1", args);
        Assert.Equal("expr:gte(t,n_forced*1)", args[args.IndexOf("-force_key_frames") + 1]);
        Assert.Equal("abc-%v-init.mp4", args[args.IndexOf("-hls_fmp4_init_filename") + 1]);
        Assert.Equal("/hls/%v.m3u8", args[^1]);
    }
}
