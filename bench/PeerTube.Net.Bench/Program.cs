using PeerTube.Net.Media.Images;
// Transcoding benchmark: our whole job, end to end, against PeerTube's one-ffmpeg-per-resolution way and against
// the bare one-process ffmpeg command our job runs. Whole processes are measured (wall clock + user/sys CPU of
// the processes that did the work), so this is a plain program rather than a BenchmarkDotNet suite.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- [--runs N] [--quick] [--no-build]
//
// BitTorrent benchmark (--torrent): our seeder's throughput to one local aria2c, against the same file fetched over
// our HTTP web seed (aria2c with the web seed alone, and a plain curl GET). See TorrentBench.cs.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- --torrent [--runs N] [--seconds S] [--seeder-max-requests N] [--no-build]
//
// Peer-to-peer benchmark (--p2p): N viewers (headless Chromium contexts) of one video, a few seconds apart; the fraction of
// their HLS segment bytes that came from peers rather than HTTP. See P2PBench.cs.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- --p2p [--loader ours|p2pml|both] [--p2pml-core JSON] [--viewers 2,4,6] [--seconds S] [--gap S] [--rate R] [--start autoplay|click] [--no-build]
//
// --loader p2pml (or both, interleaved): the same swarms with hls.js + p2p-media-loader, PeerTube's own loader (bench/p2pml-page).
//
// Federation fan-out benchmark (--fanout): one new video delivered to F remote followers spread over H loopback
// instances, with shared inboxes (one POST per instance) and, in the same session, without (one POST per follower).
// See FanoutBench.cs.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- --fanout [--followers 1000] [--hosts 50] [--runs N] [--no-baseline] [--no-build]
//
// Serving benchmark (--serving): HLS byte ranges and playlists from outside with wrk, nginx on the same files, our
// server before (--baseline: another checkout, built) and after, and nginx in front of ours. See ServingBench.cs.
//
//   dotnet run -c Release --project bench/PeerTube.Net.Bench -- --serving [--baseline /tmp/serving-base] [--runs 2] [--wrk-seconds 8] [--connections 16,64] [--public-only] [--no-build]
//
// Markdown goes to stdout, progress to stderr.

using System.Diagnostics;
using System.Globalization;
using PeerTube.Net.Bench;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Transcoding;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

if (args.Contains("--serving"))
{
    try
    {
        return await ServingBench.RunAsync(args, cts.Token);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    catch (BenchmarkFailedException e)
    {
        Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
        return 1;
    }
}

if (args.Contains("--live"))
{
    try
    {
        return await LiveBench.RunAsync(args, cts.Token);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
    catch (BenchmarkFailedException e)
    {
        Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
        return 1;
    }
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/PeerTube.Net.Bench -- [--runs N] [--quick] [--no-build]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/PeerTube.Net.Bench -- --torrent [--runs N] [--seconds S] [--seeder-max-requests N] [--no-build]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/PeerTube.Net.Bench -- --p2p [--loader ours|p2pml|both] [--p2pml-core JSON] [--viewers 2,4,6] [--seconds S] [--gap S] [--rate R] [--start autoplay|click] [--no-build]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/PeerTube.Net.Bench -- --live [--modes small,default,high] [--p2p on,off] [--viewers 2] [--sample-seconds 20] [--hlsjs-defaults] [--no-build]");
    Console.Error.WriteLine("       dotnet run -c Release --project bench/PeerTube.Net.Bench -- --fanout [--followers 1000] [--hosts 50] [--runs N] [--no-baseline] [--no-build]");
    return 2;
}

try
{
    return options.Fanout ? await FanoutBench.RunAsync(options, cts.Token)
        : options.P2P ? await P2PBench.RunAsync(options, cts.Token)
        : options.Torrent ? await TorrentBench.RunAsync(options, cts.Token)
        : await Bench.RunAsync(options, cts.Token);
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
catch (FfmpegNotFoundException e)
{
    Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
    return 1;
}

namespace PeerTube.Net.Bench
{
    /// <param name="Torrent">The BitTorrent benchmark (seeder vs web seed) instead of the transcoding one.</param>
    /// <param name="Seconds">--seconds: the source's length (BitTorrent mode only).</param>
    /// <param name="SeederMaxRequests">--seeder-max-requests: Seeding:MaxRequestsPerSecond for the server (BitTorrent mode only; default: the server's).</param>
    /// <param name="P2P">The peer-to-peer benchmark (viewers in Chromium) instead of the transcoding one.</param>
    /// <param name="Viewers">--viewers: the swarm sizes to measure (P2P mode only).</param>
    /// <param name="GapSeconds">--gap: seconds between two viewers' arrivals (P2P mode only).</param>
    /// <param name="PlaybackRate">--rate: the viewers' video.playbackRate (P2P mode only).</param>
    /// <param name="Loaders">--loader: whose loader the swarms watch with, in this order (P2P mode only; default ours).</param>
    /// <param name="P2pmlCore">--p2pml-core: a JSON object merged into p2p-media-loader's core config (P2P mode, p2pml loader only).</param>
    /// <param name="ClickToPlay">--start click: the embed without autoplay, play pressed once the player has preloaded (P2P mode only).</param>
    /// <param name="Fanout">The federation fan-out benchmark (one video to many remote followers) instead of the transcoding one.</param>
    /// <param name="Followers">--followers: remote followers of the channel (fan-out mode only).</param>
    /// <param name="Hosts">--hosts: loopback instances the followers are spread over (fan-out mode only).</param>
    /// <param name="FanoutBaseline">False with --no-baseline: no second server whose followers have no shared inbox (fan-out mode only).</param>
    internal sealed record BenchOptions(int Runs, bool Quick, bool Build, bool Torrent = false, int? Seconds = null, int? SeederMaxRequests = null,
        bool P2P = false, IReadOnlyList<int>? Viewers = null, double GapSeconds = 3, double PlaybackRate = 1,
        bool ClickToPlay = false, IReadOnlyList<P2PLoaderKind>? Loaders = null, string? P2pmlCore = null, bool Fanout = false, int Followers = 1000, int Hosts = 50, bool FanoutBaseline = true)
    {
        /// <summary>P2P mode: 30 s at 4 s per HLS segment is 8 segments per rendition.</summary>
        public const int DefaultP2PSeconds = 30;

        /// <summary>BitTorrent mode: a 120 s 1080p source makes a top rendition of about 80 MB (stream-copied from the source).</summary>
        public const int DefaultTorrentSeconds = 120;

        public int SourceWidth => Quick ? 640 : 1920;
        public int SourceHeight => Quick ? 360 : 1080;
        public int SourceSeconds => Seconds ?? (Torrent ? DefaultTorrentSeconds : P2P ? DefaultP2PSeconds : Quick ? 6 : 30);

        public static BenchOptions Parse(string[] args)
        {
            int? runs = null;
            int? seconds = null;
            int? seederMaxRequests = null;
            var quick = false;
            var build = true;
            var torrent = false;
            var p2p = false;
            List<int>? viewers = null;
            double? gap = null;
            double? rate = null;
            bool? click = null;
            List<P2PLoaderKind>? loaders = null;
            string? p2pmlCore = null;
            var fanout = false;
            int? followers = null;
            int? hosts = null;
            var fanoutBaseline = true;
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
                    case "--torrent":
                        torrent = true;
                        break;
                    case "--p2p":
                        p2p = true;
                        break;
                    case "--fanout":
                        fanout = true;
                        break;
                    case "--followers" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var f) || f < 1 || f > 10_000)
                        {
                            throw new ArgumentException("--followers needs an integer from 1 to 10000.");
                        }

                        followers = f;
                        break;
                    case "--hosts" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var h) || h < 1 || h > 200)
                        {
                            throw new ArgumentException("--hosts needs an integer from 1 to 200.");
                        }

                        hosts = h;
                        break;
                    case "--no-baseline":
                        fanoutBaseline = false;
                        break;
                    case "--viewers" when i + 1 < args.Length:
                        viewers = [];
                        foreach (var part in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 2 || v > 20)
                            {
                                throw new ArgumentException("--viewers needs a comma-separated list of integers from 2 to 20 (e.g. 2,4,6).");
                            }

                            viewers.Add(v);
                        }

                        if (viewers.Count == 0)
                        {
                            throw new ArgumentException("--viewers needs at least one swarm size.");
                        }

                        break;
                    case "--gap" when i + 1 < args.Length:
                        if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var g) || g < 0 || g > 60)
                        {
                            throw new ArgumentException("--gap needs a number of seconds from 0 to 60.");
                        }

                        gap = g;
                        break;
                    case "--rate" when i + 1 < args.Length:
                        if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r < 0.25 || r > 4)
                        {
                            throw new ArgumentException("--rate needs a playback rate from 0.25 to 4.");
                        }

                        rate = r;
                        break;
                    case "--start" when i + 1 < args.Length:
                        click = args[++i] switch
                        {
                            "autoplay" => false,
                            "click" => true,
                            _ => throw new ArgumentException("--start is autoplay or click."),
                        };
                        break;
                    case "--loader" when i + 1 < args.Length:
                        loaders = args[++i] switch
                        {
                            "ours" => [P2PLoaderKind.Ours],
                            "p2pml" => [P2PLoaderKind.P2pml],
                            "both" => [P2PLoaderKind.Ours, P2PLoaderKind.P2pml],
                            _ => throw new ArgumentException("--loader is ours, p2pml or both."),
                        };
                        break;
                    case "--p2pml-core" when i + 1 < args.Length:
                        p2pmlCore = args[++i];
                        try
                        {
                            using var json = System.Text.Json.JsonDocument.Parse(p2pmlCore);
                            if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
                            {
                                throw new ArgumentException("--p2pml-core needs a JSON object, e.g. '{\"simultaneousHttpDownloads\":1}'.");
                            }
                        }
                        catch (System.Text.Json.JsonException e)
                        {
                            throw new ArgumentException($"--p2pml-core is not JSON: {e.Message}");
                        }

                        break;
                    case "--seconds" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s < 1 || s > 3600)
                        {
                            throw new ArgumentException("--seconds needs an integer from 1 to 3600.");
                        }

                        seconds = s;
                        break;
                    case "--seeder-max-requests" when i + 1 < args.Length:
                        if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m < 1 || m > 1_000_000)
                        {
                            throw new ArgumentException("--seeder-max-requests needs an integer from 1 to 1000000.");
                        }

                        seederMaxRequests = m;
                        break;
                    default:
                        throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }

            if ((followers is not null || hosts is not null || !fanoutBaseline) && !fanout)
            {
                throw new ArgumentException("--followers, --hosts and --no-baseline only apply to --fanout.");
            }

            if (fanout)
            {
                if (torrent || p2p || quick || seconds is not null || seederMaxRequests is not null || viewers is not null || gap is not null
                    || rate is not null || click is not null || loaders is not null || p2pmlCore is not null)
                {
                    throw new ArgumentException("--fanout combines only with --followers, --hosts, --runs, --no-baseline and --no-build.");
                }

                if ((hosts ?? 50) > (followers ?? 1000))
                {
                    throw new ArgumentException("--hosts cannot be more than --followers: every host needs a follower.");
                }

                return new BenchOptions(runs ?? 3, false, build, Fanout: true, Followers: followers ?? 1000, Hosts: hosts ?? 50, FanoutBaseline: fanoutBaseline);
            }

            if (p2p && (torrent || quick || seederMaxRequests is not null || runs is not null))
            {
                throw new ArgumentException("--p2p does not combine with --torrent, --quick, --seeder-max-requests or --runs.");
            }

            if ((viewers is not null || gap is not null || rate is not null || click is not null || loaders is not null || p2pmlCore is not null) && !p2p)
            {
                throw new ArgumentException("--viewers, --gap, --rate, --start, --loader and --p2pml-core only apply to --p2p.");
            }

            if (p2pmlCore is not null && !(loaders ?? []).Contains(P2PLoaderKind.P2pml))
            {
                throw new ArgumentException("--p2pml-core needs --loader p2pml or --loader both.");
            }

            if (p2p)
            {
                return new BenchOptions(1, false, build, P2P: true, Seconds: seconds, Viewers: viewers ?? [2, 4, 6], GapSeconds: gap ?? 3,
                    PlaybackRate: rate ?? 1, ClickToPlay: click ?? false, Loaders: loaders ?? [P2PLoaderKind.Ours], P2pmlCore: p2pmlCore);
            }

            if ((seconds is not null || seederMaxRequests is not null) && !torrent)
            {
                throw new ArgumentException("--seconds and --seeder-max-requests only apply to --torrent (and --seconds to --p2p).");
            }

            if (quick && torrent)
            {
                throw new ArgumentException("--quick does not apply to --torrent (use --seconds).");
            }

            return new BenchOptions(runs ?? (torrent ? 3 : quick ? 1 : 2), quick, build, torrent, seconds, seederMaxRequests);
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

    /// <param name="Cpu">User + sys of the processes that did the work: the server and its children for (a), ffmpeg for (b) and (c).</param>
    /// <param name="OthersCpu">Busy CPU of the whole machine during the run minus <paramref name="Cpu"/> and minus this benchmark process: other load.</param>
    /// <param name="LoadAverage">1-minute load average when the run started.</param>
    internal sealed record Measurement(
        Variant Variant, int Run, TimeSpan Wall, TimeSpan Cpu, int Renditions, long OutputBytes, TimeSpan OthersCpu, double LoadAverage)
    {
        /// <summary>(a) only: the part of <see cref="Cpu"/> spent in the server process itself rather than in its children.</summary>
        public TimeSpan? ServerSelfCpu { get; init; }

        /// <summary>CPU this benchmark process used during the run (polling, sampling, pumping ffmpeg's output).</summary>
        public TimeSpan BenchCpu { get; init; }

        /// <summary>(a) only: the server's child processes, as sampled.</summary>
        public IReadOnlyList<ChildSpan> Children { get; init; } = [];

        /// <summary>(a) only: how long the job's one ffmpeg ladder process ran, as sampled.</summary>
        public TimeSpan? LadderWall =>
            Children.Any(c => c.Kind == ChildWatcher.LadderKind)
                ? TimeSpan.FromTicks(Children.Where(c => c.Kind == ChildWatcher.LadderKind).Sum(c => c.Duration.Ticks))
                : null;
    }

    /// <summary>Machine-wide and benchmark-process CPU at the start of a run, to tell what else ran meanwhile.</summary>
    internal readonly record struct Background(TimeSpan MachineBusy, TimeSpan BenchSelf, double LoadAverage)
    {
        public static Background Now() => new(CpuClock.MachineBusy(), CpuClock.SelfCpu(), CpuClock.LoadAverage());

        /// <summary>Other load since the start: machine busy time minus the measured processes and this benchmark.</summary>
        public (TimeSpan Others, TimeSpan Bench) Since(TimeSpan measuredCpu)
        {
            var bench = CpuClock.SelfCpu() - BenchSelf;
            var others = CpuClock.MachineBusy() - MachineBusy - bench - measuredCpu;
            return (others < TimeSpan.Zero ? TimeSpan.Zero : others, bench); // Tick rounding can make an idle machine look negative.
        }
    }

    internal static class Bench
    {
        public const int Threads = 0; // Transcoding:Threads default: let ffmpeg decide, as the server does.
        public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
        public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);

        public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
        {
            var repo = FindRepoRoot();
            var tools = new FfmpegTools();
            var capabilities = await FfmpegTools.DetectAsync(tools, ct);
            var runner = new FfmpegRunner(tools);
            var profile = TranscodingProfile.Load(Path.Combine(repo, "ffmpeg-profiles", "default.json"));

            var temp = Directory.CreateTempSubdirectory("ptnet-bench-");
            Progress($"work directory {temp.FullName}");
            ServerUnderTest? server = null;
            try
            {
                // The source, made once and not timed.
                var source = Path.Combine(temp.FullName, "source.mp4");
                Progress($"generating a {options.SourceWidth}x{options.SourceHeight} {options.SourceSeconds} s source");
                await runner.RunAsync(SourceCommand(source, options.SourceWidth, options.SourceHeight, options.SourceSeconds), TimeSpan.Zero, null, null, ct);

                var input = await new MediaProber(tools).ProbeAsync(source, ct);
                var plan = LadderPlanner.Plan(input, profile);
                Progress($"plan: {string.Join(", ", plan.Renditions.Select(Report.Describe))}");

                var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
                // Others may be editing the tree: say what was built.
                var codeState = await CodeStateAsync(repo, ct);
                if (options.Build)
                {
                    await BuildServerAsync(repo, ct);
                }
                else if (!File.Exists(serverDll))
                {
                    throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
                }

                var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "server-storage")).FullName;
                Progress("starting the server");
                server = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "server.log"), ct);

                // One uncounted job on the same source, so that the measured runs see a warm server, as one that has
                // been running for a while: the first big job after start-up pays several seconds of tiered/PGO JIT
                // (a tiny clip does not trigger it). Its figures are reported separately.
                Progress("warm-up job on the same source (reported, not counted)");
                var warmUp = Log(await MeasureJobAsync(server, source, plan, 0, ct), options.Runs);

                // Tiered JIT keeps recompiling hot methods for a few seconds after the warm-up: let it finish, then
                // see what the idle server costs.
                await Task.Delay(TimeSpan.FromSeconds(10), ct);
                var idleWindow = TimeSpan.FromSeconds(10);
                var idleBefore = CpuClock.ProcessTreeCpu(server.Pid);
                await Task.Delay(idleWindow, ct);
                var idleCpuPerSecond = (CpuClock.ProcessTreeCpu(server.Pid) - idleBefore).Total.TotalSeconds / idleWindow.TotalSeconds;
                Progress($"server pid {server.Pid}, idle CPU {idleCpuPerSecond * 1000:0.#} ms/s");

                var measurements = new List<Measurement>();
                for (var run = 1; run <= options.Runs; run++)
                {
                    measurements.Add(Log(await MeasureJobAsync(server, source, plan, run, ct), options.Runs));
                    measurements.Add(Log(await MeasurePerResolutionAsync(runner, source, input, plan, profile, temp.FullName, run, ct), options.Runs));
                    measurements.Add(Log(await MeasureSingleCommandAsync(runner, source, input, plan, profile, temp.FullName, run, ct), options.Runs));
                }

                Console.WriteLine(Report.Markdown(new ReportContext(options, capabilities, input, plan, measurements, warmUp, idleCpuPerSecond, codeState)));
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

        private static async Task<Measurement> MeasureJobAsync(ServerUnderTest server, string source, TranscodePlan plan, int run, CancellationToken ct)
        {
            var videoId = await server.UploadAsync(source, $"bench run {run}", ct);
            // Upload done: from here to "published".
            var wall = Stopwatch.StartNew();
            var background = Background.Now();
            var cpuBefore = CpuClock.ProcessTreeCpu(server.Pid);
            var watcher = ChildWatcher.Start(server.Pid, wall, SampleInterval);
            PublishedVideo published;
            try
            {
                published = await server.WaitUntilPublishedAsync(videoId, PollInterval, ct);
            }
            finally
            {
                await watcher.DisposeAsync();
            }

            var cpu = CpuClock.ProcessTreeCpu(server.Pid) - cpuBefore;
            wall.Stop();
            var (others, benchCpu) = background.Since(cpu.Total);

            var planned = plan.Renditions.Select(r => r.Resolution).Order().ToList();
            var made = published.Resolutions.Order().ToList();
            if (!planned.SequenceEqual(made))
            {
                throw new BenchmarkFailedException(
                    $"The server produced renditions [{string.Join(", ", made)}] but the plan is [{string.Join(", ", planned)}]: not comparable.");
            }

            return new Measurement(Variant.Job, run, wall.Elapsed, cpu.Total, made.Count, published.TotalBytes, others, background.LoadAverage)
            {
                ServerSelfCpu = cpu.Self,
                Children = watcher.Children,
                BenchCpu = benchCpu,
            };
        }

        private static async Task<Measurement> MeasurePerResolutionAsync(
            FfmpegRunner runner, string source, MediaInfo input, TranscodePlan plan, TranscodingProfile profile, string temp, int run, CancellationToken ct)
        {
            var outputs = Outputs(plan, Path.Combine(temp, $"b-run{run}"));
            var background = Background.Now();
            var cpuBefore = CpuClock.ChildrenCpu();
            var wall = Stopwatch.StartNew();
            foreach (var output in outputs)
            {
                await runner.RunAsync(HlsLadderCommand.BuildSingleRendition(source, output, profile, Threads), input.Duration, null, null, ct);
            }

            // PeerTube grabs the thumbnail and the preview with ffmpeg runs of their own.
            foreach (var frame in Frames(input, Path.Combine(temp, $"b-run{run}")))
            {
                await runner.RunAsync(ImageCommands.BuildFrameGrab(source, frame.Path, frame.At, frame.Width, frame.Height), TimeSpan.Zero, null, null, ct);
            }

            wall.Stop();
            var cpu = CpuClock.ChildrenCpu() - cpuBefore;
            var (others, benchCpu) = background.Since(cpu);
            return new Measurement(Variant.PerResolution, run, wall.Elapsed, cpu, outputs.Count, CollectAndDelete(outputs), others, background.LoadAverage)
            {
                BenchCpu = benchCpu,
            };
        }

        private static async Task<Measurement> MeasureSingleCommandAsync(
            FfmpegRunner runner, string source, MediaInfo input, TranscodePlan plan, TranscodingProfile profile, string temp, int run, CancellationToken ct)
        {
            var outputs = Outputs(plan, Path.Combine(temp, $"c-run{run}"));
            // Exactly what our job runs: the ladder plus the thumbnail and preview from the same decode.
            var arguments = HlsLadderCommand.Build(source, outputs, profile, Threads, Frames(input, Path.Combine(temp, $"c-run{run}")));
            var background = Background.Now();
            var cpuBefore = CpuClock.ChildrenCpu();
            var wall = Stopwatch.StartNew();
            await runner.RunAsync(arguments, input.Duration, null, null, ct);
            wall.Stop();
            var cpu = CpuClock.ChildrenCpu() - cpuBefore;
            var (others, benchCpu) = background.Since(cpu);
            return new Measurement(Variant.SingleCommand, run, wall.Elapsed, cpu, outputs.Count, CollectAndDelete(outputs), others, background.LoadAverage)
            {
                BenchCpu = benchCpu,
            };
        }

        private static FrameGrabOutput[] Frames(MediaInfo input, string directory)
        {
            var middle = TimeSpan.FromSeconds(input.Duration.TotalSeconds / 2);
            return
            [
                new FrameGrabOutput(Path.Combine(directory, "thumbnail.jpg"), middle, ImageCommands.ThumbnailWidth, ImageCommands.ThumbnailHeight),
                new FrameGrabOutput(Path.Combine(directory, "preview.jpg"), middle, ImageCommands.PreviewWidth, ImageCommands.PreviewHeight),
            ];
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

        internal static List<string> SourceCommand(string path, int width, int height, int seconds) =>
        [
            "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"testsrc2=size={width}x{height}:rate=30"),
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-c:a", "aac",
            path,
        ];

        internal static async Task BuildServerAsync(string repo, CancellationToken ct)
        {
            Progress("building the server (dotnet build src/PeerTube.Net.Server -c Release)");
            await RunToolAsync("dotnet", repo, ["build", "src/PeerTube.Net.Server", "-c", "Release", "-nologo", "-v", "q"], ct);
        }

        /// <summary>Runs a tool to its end; when it fails, the exception carries the last 40 lines of its output.</summary>
        internal static async Task RunToolAsync(string file, string workingDirectory, IReadOnlyList<string> arguments, CancellationToken ct)
        {
            var start = new ProcessStartInfo(file)
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in arguments)
            {
                start.ArgumentList.Add(arg);
            }

            var command = $"{file} {string.Join(' ', arguments)}";
            using var process = Process.Start(start) ?? throw new BenchmarkFailedException($"{command} did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                var output = (await stdout) + (await stderr);
                throw new BenchmarkFailedException(
                    $"{command} (in {workingDirectory}) failed (exit {process.ExitCode}):\n{string.Join('\n', output.Split('\n').TakeLast(40))}");
            }
        }

        internal static async Task<string> CodeStateAsync(string repo, CancellationToken ct)
        {
            try
            {
                var head = (await GitAsync(repo, ["rev-parse", "--short", "HEAD"], ct)).Trim();
                var dirty = (await GitAsync(repo, ["status", "--porcelain", "--", "src"], ct))
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                return dirty == 0 ? $"commit {head}, src/ clean" : $"commit {head} + {dirty} uncommitted change(s) under src/";
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return "unknown (git not available)";
            }
        }

        private static async Task<string> GitAsync(string repo, string[] args, CancellationToken ct)
        {
            var start = new ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start.");
            var output = process.StandardOutput.ReadToEndAsync(ct);
            _ = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            return process.ExitCode == 0 ? await output : throw new InvalidOperationException($"git exited with {process.ExitCode}.");
        }

        internal static string FindRepoRoot()
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

        private static Measurement Log(Measurement m, int runs)
        {
            var which = m.Run == 0 ? "warm-up" : $"run {m.Run}/{runs}";
            var self = m.ServerSelfCpu is { } s ? $" (server itself {s.TotalSeconds:0.00} s, ladder ffmpeg {m.LadderWall?.TotalSeconds:0.00} s wall)" : "";
            Progress($"{which} {Report.Label(m.Variant)}: wall {m.Wall.TotalSeconds:0.00} s, CPU {m.Cpu.TotalSeconds:0.00} s{self}, " +
                     $"{m.Renditions} renditions, {m.OutputBytes / 1e6:0.0} MB; other load {m.OthersCpu.TotalSeconds:0.0} s CPU, load avg {m.LoadAverage:0.0}");
            return m;
        }

        public static void Progress(string message) =>
            Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
    }
}
