using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Media.Tests;

/// <summary>
/// The named stack: FFMpegCore probes every upload and runs the commands it builds. Wrapper scripts (which FFMpegCore
/// reaches through its symbolic-link folder, since they are not named ffprobe/ffmpeg) record the exact argument vector
/// before handing over to the real tools.
/// </summary>
public sealed class FfmpegCoreTests(GeneratedMedia media)
{
    [Fact]
    public async Task Every_probe_goes_through_FFProbe_AnalyseAsync()
    {
        using var dir = new TempDirectory();
        var record = dir.File("ffprobe-args.txt");
        var wrapper = await RecordingWrapperAsync(dir, "recording-ffprobe.sh", "ffprobe", record, append: true);
        // A name with a space and a quote: FFMpegCore passes one argument string, which must still split right.
        var source = dir.File("an upload's name.mp4");
        File.Copy(await media.Tiny90, source);

        var info = await new MediaProber(new FfmpegTools(FfprobePath: wrapper)).ProbeAsync(source, TestContext.Current.CancellationToken);

        Assert.Equal((160, 90), (info.Video!.Width, info.Video.Height));
        // FFMpegCore's fixed AnalyseAsync arguments (our own probe never used -sexagesimal or -show_chapters), with our input
        // restriction as its custom arguments (after the path: ffprobe reads every option before it opens its one input);
        // then the packet scan that measures the duration (an argument list).
        Assert.Equal(
            [
                "-loglevel", "error", "-print_format", "json", "-show_format", "-sexagesimal", "-show_streams", "-show_chapters",
                source, "-protocol_whitelist", "file,pipe",
                "-v", "error", "-protocol_whitelist", "file,pipe", "-show_entries", "packet=codec_type,pts_time,dts_time,duration_time",
                "-of", "compact=p=0", source,
            ],
            // FFMpegCore checks the binary with -version once per binary path; later calls go straight to the probe.
            (await File.ReadAllLinesAsync(record, TestContext.Current.CancellationToken)).SkipWhile(a => a == "-version").ToArray());
    }

    [Fact]
    public async Task An_FFMpegCore_command_reaches_ffmpeg_as_exactly_the_tokens_it_lists()
    {
        using var dir = new TempDirectory();
        var record = dir.File("ffmpeg-args.txt");
        var wrapper = await RecordingWrapperAsync(dir, "recording-ffmpeg.sh", "ffmpeg", record);
        var output = dir.File("a still's \"name\".jpg".Replace("\"", "", StringComparison.Ordinal));
        var command = ImageCommands.BuildFrameGrab(await media.Tiny90, output, TimeSpan.FromSeconds(1), 280, 157);
        var log = new StringWriter();

        await new FfmpegRunner(new FfmpegTools(FfmpegPath: wrapper)).RunAsync(command, TimeSpan.Zero, null, log, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(output));
        Assert.Equal(command, await File.ReadAllLinesAsync(record, TestContext.Current.CancellationToken));
        Assert.StartsWith(wrapper + " " + command.Text, log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_FFMpegCore_run_reports_progress_and_cancelling_it_kills_ffmpeg()
    {
        using var dir = new TempDirectory();
        // Reads its input at native speed, so the 9-second ladder is still running when it is cancelled.
        var slow = dir.File("slow-ffmpeg.sh");
        await File.WriteAllTextAsync(slow, "#!/bin/sh\ncase \"$*\" in *\" -i \"*) exec ffmpeg -readrate 1 \"$@\" ;; esac\nexec ffmpeg \"$@\"\n",
            TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(slow, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var source = await media.NineSeconds;
        var input = await new MediaProber(new FfmpegTools()).ProbeAsync(source, TestContext.Current.CancellationToken);
        var rendition = new Rendition(180, 320, 180, 25, 300_000, false, true, false, true);
        var output = new RenditionOutput(rendition, dir.File("180.m3u8"), dir.File("180-fragmented.mp4"));
        var command = HlsLadderCommand.Build(source, [output], TestProfiles.Default, threads: 1);
        var reports = new List<double>();
        var log = new StringWriter();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(3));
        var started = DateTime.UtcNow;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new FfmpegRunner(new FfmpegTools(FfmpegPath: slow)).RunAsync(command, input.Duration, new InlineProgress(p => { lock (reports) { reports.Add(p); } }), log, cts.Token));

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(8));
        lock (reports)
        {
            Assert.Contains(reports, p => p is > 0 and < 100);
        }

        Assert.Contains("ffmpeg was cancelled and killed.", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(RunningCommandLines(), c => c.Contains(dir.Path, StringComparison.Ordinal));
    }

    private static IEnumerable<string> RunningCommandLines() =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => Path.Combine(d, "cmdline"))
            .Select(f =>
            {
                try
                {
                    return File.ReadAllText(f).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
                catch (UnauthorizedAccessException)
                {
                    return "";
                }
            });

    [Fact]
    public async Task A_missing_ffmpeg_is_not_replaced_by_the_one_on_PATH()
    {
        // FFMpegCore alone would fall back to PATH when its BinaryFolder has no ffmpeg.
        using var dir = new TempDirectory();
        var command = ImageCommands.BuildFrameGrab(await media.Tiny90, dir.File("t.jpg"), TimeSpan.Zero, 280, 157);
        var runner = new FfmpegRunner(new FfmpegTools(FfmpegPath: "/nonexistent/ffmpeg"));

        var ex = await Assert.ThrowsAsync<FfmpegNotFoundException>(() => runner.RunAsync(command, TimeSpan.Zero, null, null, TestContext.Current.CancellationToken));

        Assert.Contains("Transcoding:FfmpegPath", ex.Message);
        Assert.False(File.Exists(dir.File("t.jpg")));
    }

    [Fact]
    public void The_ladder_is_one_FFMpegCore_command_with_one_input_and_one_output_per_rendition()
    {
        var rendition = new Rendition(720, 1280, 720, 30, 3_000_000, false, false, false, true) { AudioBitrate = 128_000 };
        var outputs = new[] { new RenditionOutput(rendition, "/out/720.m3u8", "/out/720.mp4"), new RenditionOutput(rendition with { Resolution = 0, AudioOnly = true }, "/out/0.m3u8", "/out/0.mp4") };

        var command = HlsLadderCommand.Build("/in/source.mp4", outputs, TestProfiles.Default, threads: 0);

        Assert.Single(command, a => a == "-i");
        Assert.Equal(2, command.Count(a => a == "hls"));
        Assert.Contains("-i \"/in/source.mp4\"", command.Text, StringComparison.Ordinal);
    }

    private static async Task<string> RecordingWrapperAsync(TempDirectory dir, string name, string tool, string record, bool append = false)
    {
        var path = dir.File(name);
        var redirect = append ? ">>" : ">";
        await File.WriteAllTextAsync(path,
            $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done {redirect} '{record}'\nexec {tool} \"$@\"\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private sealed class InlineProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
