using System.Security.Cryptography;
using PeerTube.Net.Media.Hls;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

/// <summary>Runs the real one-process ladder on tiny generated sources and checks what players and peers will read.</summary>
public sealed class LadderIntegrationTests(GeneratedMedia media)
{
    private readonly FfmpegTools _tools = new();

    [Fact]
    public async Task One_process_produces_every_rendition_as_a_readable_single_file_HLS_playlist()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.Landscape360;
        var prober = new MediaProber(_tools);
        var input = await prober.ProbeAsync(source, ct);
        var plan = LadderPlanner.Plan(input, TestProfiles.Default);
        Assert.Equal([360, 240, 144, 0], plan.Renditions.Select(r => r.Resolution));
        Assert.True(plan.Renditions[0].CopyVideo, "a small libx264 yuv420p source should be quick-transcoded");
        Assert.All(plan.Renditions, r => Assert.True(r.CopyAudio, "low-bitrate AAC is copied"));

        using var dir = new TempDirectory();
        var outputs = Outputs(plan, dir);
        var args = HlsLadderCommand.Build(source, outputs, TestProfiles.Default, threads: 1);
        using var log = new StringWriter();
        var reports = new List<double>();

        await new FfmpegRunner(_tools).RunAsync(args, input.Duration, new InlineProgress(reports.Add), log, ct);

        Assert.Equal(100, reports[^1]);
        Assert.Contains("split=2", log.ToString().Split('\n')[0]);

        foreach (var output in outputs)
        {
            var playlist = await File.ReadAllTextAsync(output.PlaylistPath, ct);
            Assert.Contains($"#EXT-X-MAP:URI=\"{Path.GetFileName(output.FragmentedFilePath)}\"", playlist);
            Assert.Contains("#EXT-X-BYTERANGE:", playlist);
            Assert.NotEmpty(HlsPlaylists.ParseSegmentByteRanges(playlist));

            var fromPlaylist = await prober.ProbeAsync(output.PlaylistPath, ownOutput: true, ct);
            var fromFile = await prober.ProbeAsync(output.FragmentedFilePath, ct);
            Assert.InRange(fromFile.Duration.TotalSeconds, 3.5, 4.5);
            Assert.InRange(fromPlaylist.Duration.TotalSeconds, 3.5, 4.5);

            var rendition = output.Rendition;
            Assert.Equal("aac", fromFile.Audio?.Codec);
            if (rendition.AudioOnly)
            {
                Assert.Null(fromFile.Video);
                Assert.Equal(input.Audio!.Channels, fromFile.Audio!.Channels);
            }
            else
            {
                Assert.Equal((rendition.Width, rendition.Height, "h264"), (fromFile.Video!.Width, fromFile.Video.Height, fromFile.Video.Codec));
                Assert.StartsWith("avc1.64", CodecStrings.ForVideo(fromFile.Video));
            }
        }

        Assert.Equal(outputs.Count * 2, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public async Task Encoded_renditions_are_cut_into_the_same_segments()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.NineSeconds;
        var input = await new MediaProber(_tools).ProbeAsync(source, ct);
        var plan = LadderPlanner.Plan(input, TestProfiles.NoCopy with { Resolutions = [144, 180] });
        Assert.Equal([180, 144, 0], plan.Renditions.Select(r => r.Resolution));

        using var dir = new TempDirectory();
        var outputs = Outputs(plan, dir);

        await new FfmpegRunner(_tools).RunAsync(HlsLadderCommand.Build(source, outputs, TestProfiles.NoCopy, threads: 1), input.Duration, null, null, ct);

        var durations = new List<string[]>();
        foreach (var output in outputs.Where(o => !o.Rendition.AudioOnly))
        {
            var lines = await File.ReadAllLinesAsync(output.PlaylistPath, ct);
            durations.Add(lines.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)).ToArray());
        }

        Assert.Equal(["#EXTINF:4.000000,", "#EXTINF:4.000000,", "#EXTINF:1.000000,"], durations[0]);
        Assert.Equal(durations[0], durations[1]);
    }

    [Fact]
    public async Task Segment_hashes_of_a_real_output_match_hashing_by_hand()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.Tiny90;
        var input = await new MediaProber(_tools).ProbeAsync(source, ct);
        var plan = LadderPlanner.Plan(input, TestProfiles.NoCopy);
        Assert.Equal([90, 0], plan.Renditions.Select(r => r.Resolution));

        using var dir = new TempDirectory();
        var outputs = Outputs(plan, dir);
        await new FfmpegRunner(_tools).RunAsync(HlsLadderCommand.Build(source, outputs, TestProfiles.NoCopy, threads: 1), input.Duration, null, null, ct);

        var byFile = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var output in outputs)
        {
            var hashes = await SegmentHashes.ComputeAsync(output.PlaylistPath, output.FragmentedFilePath, ct);
            var bytes = await File.ReadAllBytesAsync(output.FragmentedFilePath, ct);
            var ranges = HlsPlaylists.ParseSegmentByteRanges(await File.ReadAllTextAsync(output.PlaylistPath, ct));

            Assert.Equal(ranges.Count, hashes.Count);
            foreach (var range in ranges)
            {
                var expected = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)range.Offset, (int)range.Length)));
                Assert.Equal(expected, hashes[$"{range.Offset}-{range.Offset + range.Length - 1}"]);
            }

            // The last segment ends at the end of the file: nothing after it is left unhashed.
            Assert.Equal(bytes.Length, ranges[^1].Offset + ranges[^1].Length);
            byFile[Path.GetFileName(output.FragmentedFilePath)] = hashes;
        }

        Assert.StartsWith("{\"90-fragmented.mp4\":{\"", SegmentHashes.ToJson(byFile));
    }

    [Fact]
    public async Task Single_rendition_baseline_produces_the_same_kind_of_output()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.Landscape360;
        var prober = new MediaProber(_tools);
        var input = await prober.ProbeAsync(source, ct);
        var rendition = LadderPlanner.Plan(input, TestProfiles.Default).Renditions.Single(r => r.Resolution == 240);

        using var dir = new TempDirectory();
        var output = new RenditionOutput(rendition, dir.File("240.m3u8"), dir.File("240-fragmented.mp4"));
        await new FfmpegRunner(_tools).RunAsync(HlsLadderCommand.BuildSingleRendition(source, output, TestProfiles.Default, threads: 1), input.Duration, null, null, ct);

        var produced = await prober.ProbeAsync(output.PlaylistPath, ownOutput: true, ct);
        Assert.Equal((426, 240), (produced.Video!.Width, produced.Video.Height));
        Assert.Contains("#EXT-X-BYTERANGE:", await File.ReadAllTextAsync(output.PlaylistPath, ct));
    }

    [Fact]
    public async Task Thumbnail_and_preview_come_from_the_ladders_own_decode()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.Landscape360;
        var prober = new MediaProber(_tools);
        var input = await prober.ProbeAsync(source, ct);
        var plan = LadderPlanner.Plan(input, TestProfiles.Default);
        using var dir = new TempDirectory();
        var outputs = Outputs(plan, dir);
        var middle = TimeSpan.FromSeconds(input.Duration.TotalSeconds / 2);
        var frames = new[]
        {
            new Images.FrameGrabOutput(Path.Combine(dir.Path, "thumbnail.jpg"), middle, 280, 157),
            new Images.FrameGrabOutput(Path.Combine(dir.Path, "preview.jpg"), middle, 850, 480),
        };
        var args = HlsLadderCommand.Build(source, outputs, TestProfiles.Default, threads: 1, frames);
        using var log = new StringWriter();

        await new FfmpegRunner(_tools).RunAsync(args, input.Duration, null, log, ct);

        // One process: the 2 encoded renditions and the 2 stills share one split of one decode.
        Assert.Contains("split=4", log.ToString().Split('\n')[0]);
        Assert.Single(args, a => a == "-i");
        foreach (var frame in frames)
        {
            var still = await prober.ProbeAsync(frame.Path, ct);
            Assert.Equal((frame.Width, frame.Height), (still.Video!.Width, still.Video.Height));
        }

        Assert.All(outputs, o => Assert.True(new FileInfo(o.FragmentedFilePath).Length > 0));
    }

    private static List<RenditionOutput> Outputs(TranscodePlan plan, TempDirectory dir) =>
        plan.Renditions
            .Select(r => new RenditionOutput(r, dir.File($"{r.Resolution}.m3u8"), dir.File($"{r.Resolution}-fragmented.mp4")))
            .ToList();

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
