using System.Globalization;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

public sealed class HlsLadderCommandTests
{
    private static readonly Rendition Copy1080 = new(1080, 1920, 1080, 30, 1_400_000, CopyVideo: true, CopyAudio: false, AudioOnly: false, HasAudio: true) { AudioBitrate = 128_000 };
    private static readonly Rendition Encode720 = new(720, 1280, 720, 30, 3_041_318, false, false, false, true) { AudioBitrate = 128_000 };
    private static readonly Rendition Encode480 = new(480, 854, 480, 30, 1_474_578, false, false, false, true) { AudioBitrate = 128_000 };
    private static readonly Rendition Encode144 = new(144, 256, 144, 30, 192_000, false, false, false, true) { AudioBitrate = 128_000 };
    private static readonly Rendition AudioOnly = new(0, 0, 0, 0, 0, false, false, true, true) { AudioBitrate = 128_000 };

    [Fact]
    public void One_process_one_input_one_split_feeding_every_encoded_rendition()
    {
        var args = Build(Copy1080, Encode720, Encode480, Encode144, AudioOnly);

        Assert.Equal(["-hide_banner", "-nostdin", "-progress", "pipe:1", "-nostats", "-protocol_whitelist", "file,pipe", "-i", "/in/source.mp4"],
            args.Take(9));
        Assert.Single(args, a => a == "-i");
        Assert.Single(args, a => a == "-filter_complex");
        Assert.Equal(
            "[0:V:0]split=3[s0][s1][s2];" +
            "[s0]scale=1280:720,fps=30,format=yuv420p[v0];" +
            "[s1]scale=854:480,fps=30,format=yuv420p[v1];" +
            "[s2]scale=256:144,fps=30,format=yuv420p[v2]",
            ArgAfter(args, "-filter_complex"));

        // Five outputs, each ending with its playlist.
        Assert.Equal(5, args.Count(a => a == "-f"));
        Assert.Equal(["/out/1080.m3u8", "/out/720.m3u8", "/out/480.m3u8", "/out/144.m3u8", "/out/0.m3u8"], Outputs(args).Select(o => o[^1]));
    }

    [Fact]
    public void The_copy_rendition_maps_the_source_and_is_not_fed_by_the_split()
    {
        var copy = Outputs(Build(Copy1080, Encode720, AudioOnly))[0];

        Assert.Equal(["-map", "0:V:0", "-map", "0:a:0", "-c:v", "copy"], copy.Take(6));
        Assert.DoesNotContain(copy, a => a.StartsWith('[') || a == "-preset" || a == "-force_key_frames");
        Assert.Equal("aac", ArgAfter(copy, "-c:a"));
    }

    [Fact]
    public void Encoded_rendition_gets_profile_encoder_args_and_aligned_keyframes()
    {
        var output = Outputs(Build(Encode720, Encode480))[0];

        Assert.Equal(["-map", "[v0]", "-map", "0:a:0", "-c:v", "libx264"], output.Take(6));
        Assert.Equal("veryfast", ArgAfter(output, "-preset"));
        Assert.Equal("3041318", ArgAfter(output, "-maxrate:v"));
        Assert.Equal("6082636", ArgAfter(output, "-bufsize:v"));
        Assert.Equal("1", ArgAfter(output, "-b_strategy"));
        Assert.Equal("16", ArgAfter(output, "-bf"));
        Assert.Equal("30", ArgAfter(output, "-r"));
        Assert.Equal("60", ArgAfter(output, "-g"));
        Assert.Equal("60", ArgAfter(output, "-keyint_min"));
        Assert.Equal("0", ArgAfter(output, "-sc_threshold"));
        Assert.Equal("expr:gte(t,n_forced*2)", ArgAfter(output, "-force_key_frames"));
        Assert.Equal("aac", ArgAfter(output, "-c:a"));
        Assert.Equal("2", ArgAfter(output, "-ac"));
        Assert.Equal("128k", ArgAfter(output, "-b:a"));
        Assert.Equal("-1", ArgAfter(output, "-map_metadata"));
        Assert.Equal("3", ArgAfter(output, "-threads"));
    }

    [Fact]
    public void Every_output_gets_PeerTube_HLS_VOD_options()
    {
        foreach (var output in Outputs(Build(Copy1080, Encode720, AudioOnly)))
        {
            var name = Path.GetFileNameWithoutExtension(output[^1]);
            Assert.Equal(
                ["-hls_time", "4", "-hls_list_size", "0", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4", "-hls_flags", "single_file",
                 "-hls_segment_filename", $"/out/{name}-fragmented.mp4", "-f", "hls", $"/out/{name}.m3u8"],
                output.TakeLast(15));
        }
    }

    [Fact]
    public void Audio_only_rendition_maps_only_audio()
    {
        var audio = Outputs(Build(Encode720, AudioOnly))[1];

        Assert.Equal(["-map", "0:a:0", "-vn", "-c:a", "aac"], audio.Take(5));
        Assert.DoesNotContain("-c:v", audio);
        Assert.Single(audio, a => a == "-map");
    }

    [Fact]
    public void Copy_audio_and_no_audio()
    {
        var copyAudio = Encode720 with { CopyAudio = true, AudioBitrate = null };
        var silent = Encode480 with { HasAudio = false, AudioBitrate = null };

        var outputs = Outputs(Build(copyAudio, silent));

        Assert.Equal("copy", ArgAfter(outputs[0], "-c:a"));
        Assert.DoesNotContain("-b:a", outputs[0]);
        Assert.Contains("-an", outputs[1]);
        Assert.DoesNotContain("0:a:0", outputs[1]);
    }

    [Fact]
    public void A_single_encoded_rendition_needs_no_split()
    {
        var args = Build(Encode720, AudioOnly);

        Assert.Equal("[0:V:0]scale=1280:720,fps=30,format=yuv420p[v0]", ArgAfter(args, "-filter_complex"));
    }

    [Fact]
    public void Only_copies_means_no_filter_graph()
    {
        var args = Build(Copy1080 with { CopyAudio = true }, AudioOnly with { CopyAudio = true });

        Assert.DoesNotContain("-filter_complex", args);
        Assert.DoesNotContain("-threads", Outputs(args)[0]);
    }

    [Fact]
    public void Arguments_are_separate_tokens_with_invariant_numbers()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var args = Build(Encode720 with { Fps = 12.5 }, Encode480, AudioOnly);

            Assert.All(args, a => Assert.DoesNotContain(' ', a));
            Assert.Contains("fps=12.5", ArgAfter(args, "-filter_complex"));
            Assert.Equal("12.5", ArgAfter(Outputs(args)[0], "-r"));
            Assert.Equal("25", ArgAfter(Outputs(args)[0], "-g"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Zero_threads_lets_ffmpeg_decide()
    {
        var args = HlsLadderCommand.Build("/in/source.mp4", [Output(Encode720)], TestProfiles.Default, threads: 0);

        Assert.DoesNotContain("-threads", args);
    }

    [Fact]
    public void Single_rendition_command_is_the_PeerTube_way_with_the_same_encoder_settings()
    {
        var single = HlsLadderCommand.BuildSingleRendition("/in/source.mp4", Output(Encode720), TestProfiles.Default, threads: 3);
        var ladderOutput = Outputs(Build(Encode720, Encode480))[0];

        Assert.DoesNotContain("-filter_complex", single);
        Assert.Single(single, a => a == "-i");
        Assert.Equal(["-map", "0:V:0", "-map", "0:a:0", "-vf", "scale=1280:720, fps=30, format=yuv420p"], single.Skip(9).Take(6));
        Assert.Equal(ladderOutput.Skip(4), single.Skip(15).SkipLast(1));
    }

    [Fact]
    public void Invalid_outputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => HlsLadderCommand.Build("/in/source.mp4", [], TestProfiles.Default, 0));
        Assert.Throws<ArgumentException>(() => Build(AudioOnly with { HasAudio = false }));
        Assert.Throws<ArgumentException>(() => Build(Encode720 with { VideoBitrate = 0 }));
    }

    private static IReadOnlyList<string> Build(params Rendition[] renditions) =>
        HlsLadderCommand.Build("/in/source.mp4", renditions.Select(Output).ToList(), TestProfiles.Default, threads: 3);

    private static RenditionOutput Output(Rendition rendition) =>
        new(rendition, $"/out/{rendition.Resolution}.m3u8", $"/out/{rendition.Resolution}-fragmented.mp4");

    private static string ArgAfter(IReadOnlyList<string> args, string name)
    {
        var index = args.ToList().IndexOf(name);
        Assert.True(index >= 0 && index + 1 < args.Count, $"{name} not found");
        return args[index + 1];
    }

    /// <summary>Splits the arguments after the input (and filter graph) into per-output lists, each ending with its playlist path.</summary>
    private static List<List<string>> Outputs(IReadOnlyList<string> args)
    {
        var start = args.ToList().IndexOf("-i") + 2;
        if (args.Count > start && args[start] == "-filter_complex")
        {
            start += 2;
        }

        var outputs = new List<List<string>>();
        var current = new List<string>();
        for (var i = start; i < args.Count; i++)
        {
            current.Add(args[i]);
            if (args[i] == "hls" && args[i - 1] == "-f")
            {
                current.Add(args[++i]);
                outputs.Add(current);
                // FFMpegCore writes its overwrite flag after each output path.
                Assert.Equal("-y", args[++i]);
                current = [];
            }
        }

        Assert.Empty(current);
        return outputs;
    }
}
