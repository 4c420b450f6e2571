// Transcoding benchmark: our whole job, end to end, against PeerTube's one-ffmpeg-per-resolution way and against
// the bare one-process ffmpeg command our job runs. Whole processes are measured (wall clock + user/sys CPU of
// the processes that did the work), so this is a plain program rather than a BenchmarkDotNet suite.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- [--runs N] [--quick] [--no-build]
//
// Markdown goes to stdout, progress to stderr.

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PeerTube.Net.Bench;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Transcoding;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/PeerTube.Net.Bench -- [--runs N] [--quick] [--no-build]");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

try
{
    return await Bench.RunAsync(options, cts.Token);
}
catch (BenchmarkFailedException e)
{
    Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
    return 1;
}
catch (FfmpegFailedException e)
{
    Console.Error.WriteLine($"BENCHMARK FAILED: ffmpeg failed: {e.Message}");
    return 1;
}

namespace PeerTube.Net.Bench
{
    internal sealed record BenchOptions(int Runs, bool Quick, bool Build)
    {
        public int SourceWidth => Quick ? 640 : 1920;
        public int SourceHeight => Quick ? 360 : 1080;
        public int SourceSeconds => Quick ? 6 : 30;

        public static BenchOptions Parse(string[] args)
        {
            int? runs = null;
            var quick = false;
            var build = true;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--runs" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                        {
                            throw new ArgumentException("--runs needs a positive integer.");
                        }

                        runs = n;
                        break;
                    case "--quick":
                        quick = true;
                        break;
                    case "--no-build":
                        build = false;
                        break;
                    default:
                        throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }

            return new BenchOptions(runs ?? (quick ? 1 : 2), quick, build);
        }
    }

    internal enum Variant
    {
        /// <summary>(a) our job, upload done → published, measured on the server process.</summary>
        Job,

        /// <summary>(b) PeerTube's way: one ffmpeg per rendition, sequentially.</summary>
        PerResolution,

        /// <summary>(c) the bare one-process ffmpeg command of our job.</summary>
        SingleCommand,
    }

    /// <param name="ServerSelfCpu">(a) only: the part of <paramref name="Cpu"/> spent in the server process itself, not in its children.</param>
    internal sealed record Measurement(Variant Variant, int Run, TimeSpan Wall, TimeSpan Cpu, int Renditions, long OutputBytes, TimeSpan? ServerSelfCpu = null);

    internal static class Bench
    {
        private const int Threads = 0; // Transcoding:Threads default: let ffmpeg decide, as the server does.
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

        public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
        {
            var repo = FindRepoRoot();
            var tools = new FfmpegTools();
            var capabilities = await FfmpegTools.DetectAsync(tools, ct);
            var runner = new FfmpegRunner(tools);
            var profilePath = Path.Combine(repo, "ffmpeg-profiles", "default.json");
            var profile = TranscodingProfile.Load(profilePath);

            var temp = Directory.CreateTempSubdirectory("ptnet-bench-");
            Progress($"work directory {temp.FullName}");
            ServerUnderTest? server = null;
            try
            {
                // The source, made once and not timed.
                var source = Path.Combine(temp.FullName, "source.mp4");
                Progress($"generating a {options.SourceWidth}x{options.SourceHeight} {options.SourceSeconds} s source");
                await runner.RunAsync(SourceCommand(source, options.SourceWidth, options.SourceHeight, options.SourceSeconds), TimeSpan.Zero, null, null, ct);
                var warmUpSource = Path.Combine(temp.FullName, "warm-up.mp4");
                await runner.RunAsync(SourceCommand(warmUpSource, 426, 240, 2), TimeSpan.Zero, null, null, ct);

                var input = await new MediaProber(tools).ProbeAsync(source, ct);
                var plan = LadderPlanner.Plan(input, profile);
                Progress($"plan: {string.Join(", ", plan.Renditions.Select(Describe))}");

                var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
                if (options.Build)
                {
                    await BuildServerAsync(repo, ct);
                }
                else if (!File.Exists(serverDll))
                {
                    throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
                }

                var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "server-storage")).FullName;
                var serverLog = Path.Combine(temp.FullName, "server.log");
                Progress("starting the server");
                server = await ServerUnderTest.StartAsync(serverDll, storage, serverLog, ct);

                // One unmeasured job on a tiny clip: the upload/transcode/publish code is JIT-compiled and its caches
                // are warm, as on a server that has been running. Then let it settle and see what the idle server costs.
                Progress("warm-up upload (426x240, 2 s; not measured)");
                await server.WaitUntilPublishedAsync(await server.UploadAsync(warmUpSource, "bench warm-up", ct), PollInterval, ct);
                // Tiered JIT keeps recompiling hot methods for a few seconds after the warm-up: let it finish.
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                var idleWindow = TimeSpan.FromSeconds(10);
                var idleBefore = CpuClock.ProcessTreeCpu(server.Pid);
                await Task.Delay(idleWindow, ct);
                var idleCpuPerSecond = (CpuClock.ProcessTreeCpu(server.Pid) - idleBefore).Total.TotalSeconds / idleWindow.TotalSeconds;
                Progress($"server pid {server.Pid}, idle CPU {idleCpuPerSecond * 1000:0.#} ms/s");

                var measurements = new List<Measurement>();
                for (var run = 1; run <= options.Runs; run++)
                {
                    measurements.Add(Report(await MeasureJobAsync(server, source, plan, run, ct), options.Runs));
                    measurements.Add(Report(await MeasurePerResolutionAsync(runner, source, input, plan, profile, temp.FullName, run, ct), options.Runs));
                    measurements.Add(Report(await MeasureSingleCommandAsync(runner, source, input, plan, profile, temp.FullName, run, ct), options.Runs));
                }

                // One more job, not counted: sample the server's children to see where its wall time goes.
                Progress("extra (a) run with child-process sampling (not counted)");
                var (traced, children) = await MeasureJobAsync(server, source, plan, options.Runs + 1, watch: true, ct);
                Progress($"traced run: wall {traced.Wall.TotalSeconds:0.00} s, {children.Count} child processes");

                Console.WriteLine(Markdown(options, capabilities, input, plan, measurements, idleCpuPerSecond));
                Console.WriteLine(Timeline(traced, children));
                return 0;
            }
            finally
            {
                if (server is not null)
                {
                    await server.DisposeAsync();
                }

                temp.Delete(recursive: true);
                Progress("temporary files deleted");
            }
        }

        private static async Task<Measurement> MeasureJobAsync(ServerUnderTest server, string source, TranscodePlan plan, int run, CancellationToken ct) =>
            (await MeasureJobAsync(server, source, plan, run, watch: false, ct)).Measurement;

        private static async Task<(Measurement Measurement, IReadOnlyList<ChildSpan> Children)> MeasureJobAsync(
            ServerUnderTest server, string source, TranscodePlan plan, int run, bool watch, CancellationToken ct)
        {
            var videoId = await server.UploadAsync(source, $"bench run {run}", ct);
            // Upload done: from here to "published".
            var wall = Stopwatch.StartNew();
            var cpuBefore = CpuClock.ProcessTreeCpu(server.Pid);
            await using var watcher = watch ? ChildWatcher.Start(server.Pid, wall, TimeSpan.FromMilliseconds(20)) : null;
            var published = await server.WaitUntilPublishedAsync(videoId, PollInterval, ct);
            var cpu = CpuClock.ProcessTreeCpu(server.Pid) - cpuBefore;
            wall.Stop();
            var children = watcher is null ? [] : await watcher.StopAsync();

            var planned = plan.Renditions.Select(r => r.Resolution).Order().ToList();
            var made = published.Resolutions.Order().ToList();
            if (!planned.SequenceEqual(made))
            {
                throw new BenchmarkFailedException(
                    $"The server produced renditions [{string.Join(", ", made)}] but the plan is [{string.Join(", ", planned)}]: not comparable.");
            }

            return (new Measurement(Variant.Job, run, wall.Elapsed, cpu.Total, made.Count, published.TotalBytes, cpu.Self), children);
        }

        private static async Task<Measurement> MeasurePerResolutionAsync(
            FfmpegRunner runner, string source, MediaInfo input, TranscodePlan plan, TranscodingProfile profile, string temp, int run, CancellationToken ct)
        {
            var outputs = Outputs(plan, Path.Combine(temp, $"b-run{run}"));
            var cpuBefore = CpuClock.ChildrenCpu();
            var wall = Stopwatch.StartNew();
            foreach (var output in outputs)
            {
                await runner.RunAsync(HlsLadderCommand.BuildSingleRendition(source, output, profile, Threads), input.Duration, null, null, ct);
            }

            wall.Stop();
            var cpu = CpuClock.ChildrenCpu() - cpuBefore;
            return new Measurement(Variant.PerResolution, run, wall.Elapsed, cpu, outputs.Count, CollectAndDelete(outputs));
        }

        private static async Task<Measurement> MeasureSingleCommandAsync(
            FfmpegRunner runner, string source, MediaInfo input, TranscodePlan plan, TranscodingProfile profile, string temp, int run, CancellationToken ct)
        {
            var outputs = Outputs(plan, Path.Combine(temp, $"c-run{run}"));
            var arguments = HlsLadderCommand.Build(source, outputs, profile, Threads);
            var cpuBefore = CpuClock.ChildrenCpu();
            var wall = Stopwatch.StartNew();
            await runner.RunAsync(arguments, input.Duration, null, null, ct);
            wall.Stop();
            var cpu = CpuClock.ChildrenCpu() - cpuBefore;
            return new Measurement(Variant.SingleCommand, run, wall.Elapsed, cpu, outputs.Count, CollectAndDelete(outputs));
        }

        private static List<RenditionOutput> Outputs(TranscodePlan plan, string directory)
        {
            Directory.CreateDirectory(directory);
            return plan.Renditions.Select(r =>
            {
                var res = r.Resolution.ToString(CultureInfo.InvariantCulture);
                return new RenditionOutput(r, Path.Combine(directory, $"{res}.m3u8"), Path.Combine(directory, $"{res}-fragmented.mp4"));
            }).ToList();
        }

        /// <summary>Sums the fragmented MP4s (what the server reports as file sizes) and frees the disk.</summary>
        private static long CollectAndDelete(List<RenditionOutput> outputs)
        {
            var bytes = outputs.Sum(o => new FileInfo(o.FragmentedFilePath).Length);
            Directory.Delete(Path.GetDirectoryName(outputs[0].PlaylistPath)!, recursive: true);
            return bytes;
        }

        private static List<string> SourceCommand(string path, int width, int height, int seconds) =>
        [
            "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"testsrc2=size={width}x{height}:rate=30"),
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac",
            path,
        ];

        private static async Task BuildServerAsync(string repo, CancellationToken ct)
        {
            Progress("building the server (dotnet build src/PeerTube.Net.Server -c Release)");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = repo,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "build", "src/PeerTube.Net.Server", "-c", "Release", "-nologo", "-v", "q" })
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start) ?? throw new BenchmarkFailedException("dotnet build did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                var output = (await stdout) + (await stderr);
                throw new BenchmarkFailedException(
                    $"dotnet build src/PeerTube.Net.Server -c Release failed (exit {process.ExitCode}):\n{string.Join('\n', output.Split('\n').TakeLast(40))}");
            }
        }

        private static string FindRepoRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "PeerTube.Net.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }

            throw new BenchmarkFailedException("Cannot find the repository root (PeerTube.Net.sln).");
        }

        private static Measurement Report(Measurement m, int runs)
        {
            var self = m.ServerSelfCpu is { } s ? $" (server itself {s.TotalSeconds:0.00} s)" : "";
            Progress($"run {m.Run}/{runs} {Label(m.Variant)}: wall {m.Wall.TotalSeconds:0.00} s, CPU {m.Cpu.TotalSeconds:0.00} s{self}, " +
                     $"{m.Renditions} renditions, {m.OutputBytes / 1e6:0.0} MB");
            return m;
        }

        private static void Progress(string message) =>
            Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

        private static string Label(Variant v) => v switch
        {
            Variant.Job => "(a) our job, upload done → published",
            Variant.PerResolution => "(b) PeerTube-style, one ffmpeg per rendition, sequential",
            Variant.SingleCommand => "(c) our bare ffmpeg command, one decode",
            _ => v.ToString(),
        };

        private static string Describe(Rendition r)
        {
            if (r.AudioOnly)
            {
                return $"audio-only ({(r.CopyAudio ? "copy" : "aac")})";
            }

            var video = r.CopyVideo ? "copy" : $"x264 {r.VideoBitrate / 1000} kb/s max";
            var audio = !r.HasAudio ? "no audio" : r.CopyAudio ? "audio copy" : "aac";
            return $"{r.Resolution}p {r.Width}x{r.Height}@{r.Fps:0.##} ({video}, {audio})";
        }

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            var mid = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }

        private static string Markdown(
            BenchOptions options, FfmpegCapabilities capabilities, MediaInfo input, TranscodePlan plan, List<Measurement> measurements, double idleCpuPerSecond)
        {
            var w = new StringWriter(CultureInfo.InvariantCulture);
            var medians = Enum.GetValues<Variant>().ToDictionary(v => v, v =>
            {
                var ms = measurements.Where(m => m.Variant == v).ToList();
                return (Wall: Median(ms.Select(m => m.Wall.TotalSeconds)), Cpu: Median(ms.Select(m => m.Cpu.TotalSeconds)),
                    Renditions: ms[0].Renditions, Mb: Median(ms.Select(m => m.OutputBytes / 1e6)));
            });

            w.WriteLine($"### Transcoding benchmark ({(options.Quick ? "quick" : "full")} mode, {options.Runs} run(s) per variant, interleaved a,b,c; medians)");
            w.WriteLine();
            w.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            w.WriteLine($"- Machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
            w.WriteLine($"- ffmpeg {capabilities.Version}; encoder threads: ffmpeg's choice (Transcoding:Threads = 0) in all variants; server Transcoding:Concurrency = 1");
            var v = input.Video;
            w.WriteLine($"- Source: {v?.Width}x{v?.Height} {v?.Codec} {v?.Fps:0.##} fps + {input.Audio?.Codec} {input.Audio?.Channels} ch, " +
                        $"{input.Duration.TotalSeconds:0.#} s, {input.BitRate / 1000} kb/s (lavfi testsrc2 + sine, libx264 veryfast)");
            w.WriteLine($"- Plan (ffmpeg-profiles/default.json), used by all three variants: {string.Join("; ", plan.Renditions.Select(Describe))}");
            var top = plan.Renditions.FirstOrDefault(r => !r.AudioOnly);
            if (top is not null)
            {
                w.WriteLine($"- Quick transcode of the {top.Resolution}p rendition: {(top.CopyVideo ? "yes, video stream-copied" : "no, re-encoded")}");
            }

            w.WriteLine();
            w.WriteLine("| Variant | Wall (s) | CPU user+sys (s) | CPU / wall | Renditions | Output (MB) |");
            w.WriteLine("|---|---:|---:|---:|---:|---:|");
            foreach (var (variant, m) in medians)
            {
                w.WriteLine($"| {Label(variant)} | {m.Wall:0.00} | {m.Cpu:0.00} | {m.Cpu / m.Wall:0.00} | {m.Renditions} | {m.Mb:0.0} |");
            }

            var a = medians[Variant.Job];
            var b = medians[Variant.PerResolution];
            var c = medians[Variant.SingleCommand];
            var cpuRatio = a.Cpu / b.Cpu;
            var wallRatio = a.Wall / c.Wall;
            w.WriteLine();
            w.WriteLine("| Ratio | Value | Goal | Met |");
            w.WriteLine("|---|---:|---:|---|");
            w.WriteLine($"| CPU(a) / CPU(b) | {cpuRatio:0.000} | ≤ 0.75 | {(cpuRatio <= 0.75 ? "yes" : "**no**")} |");
            w.WriteLine($"| wall(a) / wall(c) | {wallRatio:0.000} | ≤ 1.10 | {(wallRatio <= 1.10 ? "yes" : "**no**")} |");
            w.WriteLine($"| CPU(c) / CPU(b) (ffmpeg alone) | {c.Cpu / b.Cpu:0.000} | — | — |");
            w.WriteLine($"| wall(a) / wall(b) | {a.Wall / b.Wall:0.000} | — | — |");
            w.WriteLine($"| CPU(a) / CPU(c) (job overhead) | {a.Cpu / c.Cpu:0.000} | — | — |");
            w.WriteLine();
            var selfMedian = Median(measurements.Where(m => m.ServerSelfCpu is not null).Select(m => m.ServerSelfCpu!.Value.TotalSeconds));
            w.WriteLine($"Of CPU(a), the server process itself (.NET: job, HTTP, database, hashing) used {selfMedian:0.00} s and its children " +
                        $"(ffmpeg, ffprobe) {a.Cpu - selfMedian:0.00} s (medians).");
            w.WriteLine();
            w.WriteLine($"Idle server CPU (measured over 10 s before the first upload): {idleCpuPerSecond * 1000:0.#} ms per second, " +
                        $"i.e. about {idleCpuPerSecond * a.Wall:0.00} s of CPU(a); it is included, not subtracted. " +
                        $"The server ran one unmeasured warm-up job (426x240, 2 s) first. " +
                        $"(a) also includes the job's probes, segment hashing, thumbnail/preview grabs and {PollInterval.TotalMilliseconds:0} ms status polling.");
            w.WriteLine();
            w.WriteLine("Every run:");
            w.WriteLine();
            w.WriteLine("| Run | Variant | Wall (s) | CPU (s) | of which the server process itself (s) |");
            w.WriteLine("|---:|---|---:|---:|---:|");
            foreach (var m in measurements)
            {
                var self = m.ServerSelfCpu is { } s ? s.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "—";
                w.WriteLine($"| {m.Run} | {Label(m.Variant)} | {m.Wall.TotalSeconds:0.00} | {m.Cpu.TotalSeconds:0.00} | {self} |");
            }

            return w.ToString();
        }

        private static string Timeline(Measurement traced, IReadOnlyList<ChildSpan> children)
        {
            var w = new StringWriter(CultureInfo.InvariantCulture);
            w.WriteLine($"Where the wall time of (a) goes (one extra, uncounted run: wall {traced.Wall.TotalSeconds:0.00} s, CPU {traced.Cpu.TotalSeconds:0.00} s; " +
                        "the server's child processes sampled every 20 ms, so each duration is ±20 ms):");
            w.WriteLine();
            w.WriteLine("| Phase | Processes | Wall (s) |");
            w.WriteLine("|---|---:|---:|");
            var firstChild = children.Count == 0 ? traced.Wall : children.Min(c => c.FirstSeen);
            w.WriteLine($"| upload answered → first child process starts (queue pickup, job start) | — | {firstChild.TotalSeconds:0.00} |");
            foreach (var group in children.GroupBy(c => c.Kind!).OrderBy(g => g.Min(c => c.FirstSeen)))
            {
                var seconds = group.Sum(c => (c.LastSeen - c.FirstSeen).TotalSeconds);
                w.WriteLine($"| {group.Key} | {group.Count()} | {seconds:0.00} |");
            }

            var inChildren = children.Sum(c => (c.LastSeen - c.FirstSeen).TotalSeconds);
            var rest = traced.Wall.TotalSeconds - firstChild.TotalSeconds - inChildren;
            w.WriteLine($"| no child running after the first one started (.NET work: hashing, playlists, DB, publish; plus ≤ {PollInterval.TotalMilliseconds:0} ms status polling) | — | {rest:0.00} |");
            w.WriteLine($"| **total** | {children.Count} | {traced.Wall.TotalSeconds:0.00} |");
            return w.ToString();
        }

        private static string CpuModel()
        {
            try
            {
                return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                    ?? "unknown CPU";
            }
            catch (IOException)
            {
                return "unknown CPU";
            }
        }
    }
}
