using System.Diagnostics;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media.Tests;

public sealed class RunnerTests
{
    private readonly FfmpegRunner _runner = new(new FfmpegTools());

    [Fact]
    public async Task Failing_ffmpeg_throws_with_exit_code_and_stderr_tail()
    {
        using var log = new StringWriter();
        string[] arguments = ["-hide_banner", "-nostdin", "-i", "/nonexistent/input.mp4", "-f", "null", "-"];

        var ex = await Assert.ThrowsAsync<FfmpegFailedException>(
            () => _runner.RunAsync(arguments, TimeSpan.FromSeconds(1), null, log, TestContext.Current.CancellationToken));

        Assert.NotEqual(0, ex.ExitCode);
        Assert.Contains(ex.StderrTail, line => line.Contains("No such file or directory", StringComparison.Ordinal));
        Assert.Contains("No such file or directory", ex.Message);
        Assert.InRange(ex.StderrTail.Count, 1, 20);

        var logLines = log.ToString().Split(Environment.NewLine);
        Assert.Equal("ffmpeg -hide_banner -nostdin -i /nonexistent/input.mp4 -f null -", logLines[0]);
        Assert.Contains(logLines, line => line.Contains("No such file or directory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Progress_is_reported_up_to_100_and_the_log_starts_with_the_command()
    {
        using var log = new StringWriter();
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports.Add);
        string[] arguments =
        [
            "-hide_banner", "-nostdin", "-progress", "pipe:1", "-nostats",
            "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", "2", "-f", "null", "-",
        ];

        await _runner.RunAsync(arguments, TimeSpan.FromSeconds(2), progress, log, TestContext.Current.CancellationToken);

        Assert.NotEmpty(reports);
        Assert.Equal(100, reports[^1]);
        Assert.All(reports, p => Assert.InRange(p, 0, 100));
        Assert.StartsWith("ffmpeg -hide_banner -nostdin -progress pipe:1", log.ToString());
    }

    [Fact]
    public async Task Cancellation_kills_ffmpeg_and_throws_OperationCanceledException()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        string[] endless = ["-hide_banner", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-f", "null", "-"];
        var before = FfmpegProcessIds();
        cts.CancelAfter(TimeSpan.FromMilliseconds(500));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => _runner.RunAsync(endless, TimeSpan.Zero, null, null, cts.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.DoesNotContain(FfmpegProcessIds().Except(before), IsStillRunningEndless);
    }

    [Fact]
    public async Task Missing_ffmpeg_is_reported_as_not_found()
    {
        var runner = new FfmpegRunner(new FfmpegTools(FfmpegPath: "/nonexistent/ffmpeg"));

        await Assert.ThrowsAsync<FfmpegNotFoundException>(
            () => runner.RunAsync(["-version"], TimeSpan.Zero, null, null, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task RunForOutput_returns_stdout()
    {
        var output = await _runner.RunForOutputAsync(["-hide_banner", "-version"], TestContext.Current.CancellationToken);

        Assert.StartsWith("ffmpeg version", output);
    }

    [Fact]
    public void Progress_parser_turns_out_time_into_percent()
    {
        var parser = new FfmpegProgressParser(TimeSpan.FromSeconds(4));

        Assert.Null(parser.Feed("frame=30"));
        Assert.Null(parser.Feed("out_time_us=1000000"));
        Assert.Null(parser.Feed("out_time_ms=1000000"));
        Assert.Null(parser.Feed("out_time=00:00:01.000000"));
        Assert.Equal(25, parser.Feed("progress=continue"));

        Assert.Null(parser.Feed("out_time_us=N/A"));
        Assert.Null(parser.Feed("out_time=00:00:03.000000"));
        Assert.Equal(75, parser.Feed("progress=continue"));

        Assert.Null(parser.Feed("out_time_ms=9000000"));
        Assert.Equal(100, parser.Feed("progress=continue"));
        Assert.False(parser.Ended);
        Assert.Equal(100, parser.Feed("progress=end"));
        Assert.True(parser.Ended);
    }

    [Fact]
    public void Log_command_line_quotes_arguments_that_a_shell_would_split()
    {
        var line = CommandLine.Format("ffmpeg", ["-i", "/tmp/my video.mp4", "-filter_complex", "[0:V:0]split=2[s0][s1]", "-metadata", "title=it's"]);

        Assert.Equal("ffmpeg -i '/tmp/my video.mp4' -filter_complex '[0:V:0]split=2[s0][s1]' -metadata 'title=it'\\''s'", line);
    }

    private static HashSet<int> FfmpegProcessIds() =>
        Process.GetProcessesByName("ffmpeg").Select(p => p.Id).ToHashSet();

    private static bool IsStillRunningEndless(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("testsrc2=size=160x90:rate=25", StringComparison.Ordinal) && cmdline.Contains("-re", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
