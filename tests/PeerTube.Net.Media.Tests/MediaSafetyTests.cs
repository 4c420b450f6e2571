using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FFMpegCore;
using PeerTube.Net.Media.Internal;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

/// <summary>Issue 15, "media cannot stall the instance": limits, the watchdog, restricted inputs, rotation and duration.</summary>
public sealed class MediaSafetyTests(GeneratedMedia media)
{
    private readonly FfmpegTools _tools = new();

    [Fact]
    public async Task A_rotated_source_is_never_stream_copied_and_every_rendition_is_upright()
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await media.Rotated;
        var prober = new MediaProber(_tools);
        var input = await prober.ProbeAsync(source, ct);
        Assert.Equal((180, 320), (input.Video!.Width, input.Video.Height));
        Assert.NotEqual(0, input.Video.Rotation);

        var plan = LadderPlanner.Plan(input, TestProfiles.Default);
        Assert.All(plan.Renditions, r => Assert.False(r.CopyVideo, $"rendition {r.Resolution} would copy a rotated stream"));

        using var dir = new TempDirectory();
        var outputs = plan.Renditions.Select(r => new RenditionOutput(r, dir.File($"{r.Resolution}.m3u8"), dir.File($"{r.Resolution}.mp4"))).ToList();
        await new FfmpegRunner(_tools).RunAsync(HlsLadderCommand.Build(source, outputs, TestProfiles.Default, threads: 1), input.Duration, null, null, ct);

        foreach (var output in outputs.Where(o => !o.Rendition.AudioOnly))
        {
            var video = (await prober.ProbeAsync(output.FragmentedFilePath, ct)).Video!;
            Assert.True(video.Height > video.Width, $"rendition {output.Rendition.Resolution} is {video.Width}x{video.Height}, not portrait");
            Assert.Equal((output.Rendition.Width, output.Rendition.Height), (video.Width, video.Height));
        }
    }

    [Fact]
    public async Task The_duration_is_what_the_packets_hold_not_what_a_front_moov_announces()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        var full = dir.File("six-seconds.mp4");
        await RunAsync(["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", full]);
        var bytes = await File.ReadAllBytesAsync(full, ct);
        var truncated = dir.File("truncated.mp4");
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)], ct);

        var header = FFProbe.Analyse(truncated).Duration;
        var probed = await new MediaProber(_tools).ProbeAsync(truncated, ct);

        Assert.InRange(header.TotalSeconds, 5.9, 6.1);
        Assert.InRange(probed.Duration.TotalSeconds, 0.5, 4.5);
        Assert.InRange((await new MediaProber(_tools).ProbeAsync(full, ct)).Duration.TotalSeconds, 5.9, 6.1);
    }

    [Theory]
    [InlineData("playlist.mp4")]
    [InlineData("playlist.m3u8")]
    public async Task An_hls_playlist_is_refused_and_nothing_is_fetched(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptTcpClientAsync(ct).AsTask();
        using var dir = new TempDirectory();
        var playlist = dir.File(name);
        await File.WriteAllTextAsync(playlist,
            $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://127.0.0.1:{port}/segment.ts\n#EXT-X-ENDLIST\n", ct);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => new MediaProber(_tools).ProbeAsync(playlist, ct));

        Assert.True(error is UnreadableMediaException or MediaRefusedException, error.ToString());
        await Task.Delay(200, ct);
        Assert.False(accepted.IsCompleted, "ffprobe connected to the URL in the playlist");
    }

    [Fact]
    public async Task An_hls_playlist_of_readable_local_segments_is_refused_as_a_format()
    {
        // (ffmpeg 5.1 already keeps an HLS playlist read from a file off the network; the whitelist holds on any build,
        // and the format itself is refused: an uploaded playlist must not make the transcoder read other files.)
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        await RunAsync(["-i", await media.Tiny90, "-c", "copy", "-f", "mpegts", dir.File("segment.ts")]);
        var playlist = dir.File("playlist.mp4");
        await File.WriteAllTextAsync(playlist, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nsegment.ts\n#EXT-X-ENDLIST\n", ct);

        var error = await Assert.ThrowsAsync<MediaRefusedException>(() => new MediaProber(_tools).ProbeAsync(playlist, ct));

        Assert.Equal(MediaRefusedException.FormatRefused, error.Code);
    }

    [Fact]
    public async Task A_concat_list_is_refused_even_when_it_names_a_readable_file()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory();
        File.Copy(await media.Tiny90, dir.File("other.mp4"));
        var list = dir.File("list.mp4");
        await File.WriteAllTextAsync(list, "ffconcat version 1.0\nfile 'other.mp4'\n", ct);

        var error = await Assert.ThrowsAsync<MediaRefusedException>(() => new MediaProber(_tools).ProbeAsync(list, ct));

        Assert.Equal(MediaRefusedException.FormatRefused, error.Code);
        Assert.Contains("concat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ladder_reads_only_local_files_with_the_probed_demuxer()
    {
        var output = new RenditionOutput(new Rendition(144, 256, 144, 25, 100_000, false, false, false, false), "/tmp/x.m3u8", "/tmp/x.mp4");
        var command = HlsLadderCommand.Build("/tmp/in.mp4", [output], TestProfiles.Default, 0, inputFormat: "mov,mp4,m4a,3gp,3g2,mj2").ToList();

        var input = command.IndexOf("-i");
        var whitelist = command.IndexOf("-protocol_whitelist");
        Assert.InRange(whitelist, 0, input);
        Assert.Equal("file,pipe", command[whitelist + 1]);
        var formats = command.IndexOf("-format_whitelist");
        Assert.InRange(formats, 0, input);
        Assert.Equal("mov,mp4,m4a,3gp,3g2,mj2", command[formats + 1]);
    }

    [Fact]
    public void Limits_refuse_long_huge_and_fast_sources_with_a_code()
    {
        static MediaInfo Video(double seconds, int width, int height, double fps) =>
            new(TimeSpan.FromSeconds(seconds), null, "mov", new VideoStreamInfo("h264", width, height, fps, null, "yuv420p", null, null), null);
        var limits = MediaLimits.Default;

        limits.Check(Video(6 * 3600, 7680, 4320, 120));
        limits.Check(Video(60, 4320, 7680, 119.88));
        Assert.Equal(MediaLimits.DurationTooLong, Assert.Throws<MediaRefusedException>(() => limits.Check(Video(6 * 3600 + 1, 320, 180, 25))).Code);
        Assert.Equal(MediaLimits.ResolutionTooHigh, Assert.Throws<MediaRefusedException>(() => limits.Check(Video(60, 7682, 4320, 25))).Code);
        Assert.Equal(MediaLimits.ResolutionTooHigh, Assert.Throws<MediaRefusedException>(() => limits.Check(Video(60, 5000, 5000, 25))).Code);
        Assert.Equal(MediaLimits.FrameRateTooHigh, Assert.Throws<MediaRefusedException>(() => limits.Check(Video(60, 320, 180, 240))).Code);
    }

    [Fact]
    public async Task The_watchdog_stops_a_run_that_makes_no_progress()
    {
        using var dir = new TempDirectory();
        var fifo = dir.File("never-written");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var command = new FfmpegCommand(() => FFMpegArguments
            .FromFileInput(fifo, verifyExists: false, o => o.WithArgument(new RawArguments("-nostdin", "-progress", "pipe:1", "-nostats")))
            .OutputToFile(dir.File("out.mp4"), overwrite: true));
        var limits = new FfmpegRunLimits(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), null, null);

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FfmpegStoppedException>(
            () => new FfmpegRunner(_tools).RunAsync(command, TimeSpan.FromSeconds(10), null, null, TestContext.Current.CancellationToken, limits));

        Assert.Contains("no progress", error.Message, StringComparison.Ordinal);
        Assert.InRange(stopwatch.Elapsed.TotalSeconds, 0.9, 20);
    }

    [Fact]
    public async Task The_watchdog_stops_a_run_past_its_time_even_while_it_progresses()
    {
        using var dir = new TempDirectory();
        var limits = new FfmpegRunLimits(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), null, null);

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<FfmpegStoppedException>(() => new FfmpegRunner(_tools)
            .RunAsync(EndlessRealTime(dir.File("out.mkv"), "libx264"), TimeSpan.Zero, null, null, TestContext.Current.CancellationToken, limits));

        Assert.Contains("ran longer", error.Message, StringComparison.Ordinal);
        Assert.InRange(stopwatch.Elapsed.TotalSeconds, 1.9, 20);
    }

    [Fact]
    public async Task The_watchdog_stops_a_run_whose_output_grows_past_the_cap()
    {
        using var dir = new TempDirectory();
        var limits = new FfmpegRunLimits(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), 1024 * 1024, dir.Path);

        var error = await Assert.ThrowsAsync<FfmpegStoppedException>(() => new FfmpegRunner(_tools)
            .RunAsync(EndlessRealTime(dir.File("out.mkv"), "rawvideo"), TimeSpan.Zero, null, null, TestContext.Current.CancellationToken, limits));

        Assert.Contains("output grew past", error.Message, StringComparison.Ordinal);
    }

    // lavfi at real-time speed (-re): output time moves one second per second, forever.
    private static FfmpegCommand EndlessRealTime(string output, string codec) => new(() => FFMpegArguments
        .FromFileInput("testsrc2=size=320x180:rate=25", verifyExists: false, o => o
            .WithArgument(new RawArguments("-nostdin", "-progress", "pipe:1", "-nostats", "-re"))
            .ForceFormat("lavfi"))
        .OutputToFile(output, overwrite: true, o => o.WithVideoCodec(codec)));

    private static Task RunAsync(IReadOnlyList<string> arguments) =>
        new FfmpegRunner(new FfmpegTools())
            .RunAsync(["-hide_banner", "-nostdin", "-y", "-v", "error", .. arguments], TimeSpan.Zero, null, null, CancellationToken.None);
}
