using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace PeerTube.Net.Bench;

/// <summary>
/// Live latency benchmark (--live, issue 19): glass-to-glass latency per latency mode, with P2P on and off.
///
/// The publisher (ffmpeg over RTMP, in real time) burns the wall clock into every frame: a strip of 32 black or white
/// blocks across the top holding the milliseconds since the epoch modulo 2^31, drawn by geq from the frame's pts, which
/// setpts sets to the wall clock (RTCTIME) as the frame leaves the lavfi source. Headless Chromium plays the live in the
/// embed, draws the playing &lt;video&gt; into a canvas once a second, reads the blocks back and subtracts them from its
/// own clock (same machine, same clock). What is measured is everything between the publisher's source and the
/// viewer's screen: the publisher's encoder, RTMP, the server's ffmpeg and segmenter, the playlist polling and the
/// player's distance to the live edge.
///
/// Each run: a new live in one latency mode, viewers arriving a few seconds apart (P2P on: they share; off:
/// ?p2p=0), samples once a second for a fixed window once all are playing. "hls.js defaults" runs (--hlsjs-defaults)
/// play with the player's latency mapping switched off (window.__ptLiveHlsDefaults, a bench hook in player/live.ts),
/// i.e. PeerTube's hls.js defaults on our segment durations.
/// </summary>
internal static class LiveBench
{
    internal sealed record Mode(string Name, int Id, int SegmentSeconds);

    private static readonly Mode[] AllModes = [new("small", 3, 2), new("default", 1, 4), new("high", 2, 6)];

    internal sealed record LiveOptions(IReadOnlyList<Mode> Modes, IReadOnlyList<bool> P2p, int Viewers, int SampleSeconds, bool HlsDefaults, bool Build)
    {
        public static LiveOptions Parse(string[] args)
        {
            IReadOnlyList<Mode> modes = AllModes;
            IReadOnlyList<bool> p2p = [false, true];
            var viewers = 2;
            var sample = 20;
            var defaults = false;
            var build = true;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--live":
                        break;
                    case "--modes" when i + 1 < args.Length:
                        modes = args[++i].Split(',').Select(m => AllModes.FirstOrDefault(x => x.Name == m)
                            ?? throw new ArgumentException("--modes is a comma-separated list of small, default and high.")).ToList();
                        break;
                    case "--p2p" when i + 1 < args.Length:
                        p2p = args[++i].Split(',').Select(p => p switch
                        {
                            "on" => true,
                            "off" => false,
                            _ => throw new ArgumentException("--p2p is on, off or on,off."),
                        }).ToList();
                        break;
                    case "--viewers" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 8:
                        viewers = v;
                        i++;
                        break;
                    case "--sample-seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 5 and <= 600:
                        sample = s;
                        i++;
                        break;
                    case "--hlsjs-defaults":
                        defaults = true;
                        break;
                    case "--no-build":
                        build = false;
                        break;
                    default:
                        throw new ArgumentException($"--live: unknown or invalid argument '{args[i]}' (--modes small,default,high, --p2p on,off, --viewers 1-8, " +
                                                    "--sample-seconds 5-600, --hlsjs-defaults, --no-build).");
                }
            }

            return new LiveOptions(modes, p2p, viewers, sample, defaults, build);
        }
    }

    private sealed record Run(Mode Mode, bool P2p, bool HlsDefaults);

    /// <param name="PlayerLatencies">hls.js' own latency (its distance to the playlist's edge, s), for comparison: glass to glass adds the pipeline.</param>
    /// <param name="Targets">hls.js' target latency (the latency mode's sync distance, live.ts).</param>
    private sealed record RunResult(Run Run, IReadOnlyList<double> LatenciesSeconds, IReadOnlyList<double> PerViewerMedians, int Stalls,
        double? LastViewerShare, int Unreadable, double LoadAverage, IReadOnlyList<double> PlayerLatencies, IReadOnlyList<double> Targets);

    private const string VideoSelector = "#pt-player video";

    /// <summary>Segments the live runs before the first viewer arrives (more than the player's largest sync distance, live.ts).</summary>
    private const int WarmUpSegments = 6;

    /// <summary>The frame's wall clock (ms mod 2^31) back from the strip of 32 blocks; null while no frame is shown or the strip does not read.</summary>
    private const string ReadClockScript = """
        () => {
          const v = document.querySelector('#pt-player video');
          if (!v || v.readyState < 2 || v.videoWidth === 0 || v.paused) return null;
          const c = window.__latencyCanvas || (window.__latencyCanvas = document.createElement('canvas'));
          const w = v.videoWidth, h = v.videoHeight;
          if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
          const ctx = c.getContext('2d', { willReadFrequently: true });
          ctx.drawImage(v, 0, 0, w, h);
          const y = Math.max(0, Math.floor(h * 10 / 180));
          const row = ctx.getImageData(0, y, w, 1).data;
          let value = 0;
          for (let b = 0; b < 32; b++) {
            const lum = row[Math.floor((b + 0.5) * w / 32) * 4];
            value = value * 2 + (lum > 128 ? 1 : 0);
          }
          if (value >= 2147483648) return null;
          let latency = Date.now() % 2147483648 - value;
          if (latency < -1073741824) latency += 2147483648;
          return latency > -2000 && latency < 120000 ? latency : null;
        }
        """;

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var options = LiveOptions.Parse(args);
        var repo = Bench.FindRepoRoot();
        var chromium = Environment.GetEnvironmentVariable("PEERTUBE_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new BenchmarkFailedException($"Chromium was not found at {chromium} (set PEERTUBE_CHROMIUM or install the apt package chromium).");
        }

        var codeState = await Bench.CodeStateAsync(repo, ct);
        var temp = Directory.CreateTempSubdirectory("ptnet-bench-live-");
        Bench.Progress($"work directory {temp.FullName}");
        ServerUnderTest? server = null;
        IPlaywright? playwright = null;
        IBrowser? browser = null;
        try
        {
            var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
            if (options.Build)
            {
                await Bench.BuildServerAsync(repo, ct);
            }
            else if (!File.Exists(serverDll))
            {
                throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
            }

            var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "server-storage")).FullName;
            server = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "server.log"), ct, new Dictionary<string, string>
            {
                ["Seeding__Enabled"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
                ["Live__MaxInstanceLives"] = "-1",
                ["Live__MaxUserLives"] = "-1",
            });
            playwright = await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = P2PBench.ChromiumArguments,
                Timeout = 60_000,
            });
            Bench.Progress($"Chromium {browser.Version}");

            var runs = new List<Run>();
            foreach (var mode in options.Modes)
            {
                foreach (var p2p in options.P2p)
                {
                    runs.Add(new Run(mode, p2p, false));
                }

                if (options.HlsDefaults)
                {
                    runs.Add(new Run(mode, false, true));
                }
            }

            var results = new List<RunResult>();
            foreach (var run in runs)
            {
                results.Add(await MeasureAsync(server, browser, run, options, ct));
            }

            Console.WriteLine(Markdown(options, codeState, browser.Version, results));
            return 0;
        }
        finally
        {
            if (browser is not null)
            {
                await browser.CloseAsync();
            }

            playwright?.Dispose();
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            temp.Delete(recursive: true);
        }
    }

    private static string Label(Run run) => $"{run.Mode.Name} ({run.Mode.SegmentSeconds} s segments), P2P {(run.P2p ? "on" : "off")}" +
                                            (run.HlsDefaults ? ", hls.js defaults" : "");

    private static async Task<RunResult> MeasureAsync(ServerUnderTest server, IBrowser browser, Run run, LiveOptions options, CancellationToken ct)
    {
        var label = Label(run);
        using var created = await server.PostJsonAsync("/api/v1/videos/live", JsonSerializer.Serialize(new
        {
            channelId = server.ChannelId,
            name = $"latency {run.Mode.Name} p2p {run.P2p}",
            privacy = 1,
            latencyMode = run.Mode.Id,
            permanentLive = false,
            saveReplay = false,
        }), ct);
        var id = created.RootElement.GetProperty("video").GetProperty("id").GetInt32();
        var uuid = created.RootElement.GetProperty("video").GetProperty("uuid").GetString()!;
        using var live = await server.GetJsonAsync($"/api/v1/videos/live/{id.ToString(CultureInfo.InvariantCulture)}", ct);
        var rtmp = $"{live.RootElement.GetProperty("rtmpUrl").GetString()}/{live.RootElement.GetProperty("streamKey").GetString()}";

        // Long enough for the viewers to arrive, settle and be sampled; the publisher is stopped after sampling anyway.
        var streamSeconds = options.SampleSeconds + options.Viewers * 3 + (6 + WarmUpSegments) * run.Mode.SegmentSeconds + 30;
        using var publisher = StartPublisher(rtmp, streamSeconds);
        var viewers = new List<(IBrowserContext Context, IPage Page)>();
        try
        {
            var clock = Stopwatch.StartNew();
            await WaitForStateAsync(server, id, 1, TimeSpan.FromSeconds(60), publisher, ct);
            Bench.Progress($"{label}: published {clock.Elapsed.TotalSeconds:0.0} s after the publisher started");
            // Viewers of a stream that has been going for a while: with a playlist of one or two segments, hls.js cannot
            // go back to its sync distance and starts (and stays) closer to the edge than it would later.
            await Task.Delay(TimeSpan.FromSeconds(WarmUpSegments * run.Mode.SegmentSeconds), ct);
            var url = $"{server.BaseUrl}/videos/embed/{uuid}?autoplay=1&muted=1&p2p={(run.P2p ? 1 : 0)}";
            for (var i = 0; i < options.Viewers; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(3), ct);
                }

                var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 640, Height = 360 } });
                await context.GrantPermissionsAsync(["camera", "microphone"]);
                await context.AddInitScriptAsync($$"""
                    (() => {
                      window.__ptLiveHlsDefaults = {{(run.HlsDefaults ? "true" : "false")}};
                      window.__bench = { played: false, stalls: 0 };
                      document.addEventListener('playing', () => { window.__bench.played = true }, true);
                      document.addEventListener('waiting', () => { if (window.__bench.played) window.__bench.stalls++ }, true);
                    })();
                    """);
                var page = await context.NewPageAsync();
                viewers.Add((context, page));
                await page.GotoAsync(url);
            }

            foreach (var (_, page) in viewers)
            {
                await page.WaitForFunctionAsync($"() => {{ const v = document.querySelector('{VideoSelector}'); return !!v && !v.paused && v.currentTime > 0 }}",
                    null, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 200 });
            }

            // Settle: hls.js seeks to its live sync point, and P2P viewers find each other.
            await Task.Delay(TimeSpan.FromSeconds(run.Mode.SegmentSeconds * 2), ct);
            var load = CpuClock.LoadAverage();
            var samples = viewers.Select(_ => new List<double>()).ToList();
            var unreadable = 0;
            var playerLatencies = new List<double>();
            var targets = new List<double>();
            for (var s = 0; s < options.SampleSeconds; s++)
            {
                var tick = Task.Delay(TimeSpan.FromSeconds(1), ct);
                for (var v = 0; v < viewers.Count; v++)
                {
                    var value = await viewers[v].Page.EvaluateAsync<JsonElement>(ReadClockScript);
                    if (value.ValueKind == JsonValueKind.Number)
                    {
                        samples[v].Add(value.GetDouble() / 1000);
                    }
                    else
                    {
                        unreadable++;
                    }

                    var edge = await viewers[v].Page.EvaluateAsync<JsonElement>("() => window.peertubePlayer?.liveEdge?.() ?? null");
                    if (edge.ValueKind == JsonValueKind.Object)
                    {
                        playerLatencies.Add(edge.GetProperty("latency").GetDouble());
                        targets.Add(edge.GetProperty("target").GetDouble());
                    }
                }

                await tick;
            }

            var stalls = 0;
            foreach (var (_, page) in viewers)
            {
                stalls += await page.EvaluateAsync<int>("() => window.__bench?.stalls ?? 0");
            }

            double? share = null;
            if (run.P2p && viewers.Count > 1)
            {
                var stats = await viewers[^1].Page.EvaluateAsync<JsonElement>("() => window.peertubePlayer?.p2pStats?.() ?? null");
                if (stats.ValueKind == JsonValueKind.Object)
                {
                    var p2pBytes = stats.GetProperty("p2pBytes").GetDouble();
                    var httpBytes = stats.GetProperty("httpBytes").GetDouble();
                    share = p2pBytes / Math.Max(1, p2pBytes + httpBytes);
                }
            }

            var all = samples.SelectMany(x => x).ToList();
            var result = new RunResult(run, all, samples.Select(x => x.Count == 0 ? double.NaN : Percentile(x, 0.5)).ToList(), stalls, share, unreadable,
                (load + CpuClock.LoadAverage()) / 2, playerLatencies, targets);
            Bench.Progress($"{label}: {all.Count} samples, median {Percentile(all, 0.5):0.00} s, p95 {Percentile(all, 0.95):0.00} s, " +
                           $"per viewer {string.Join(" / ", result.PerViewerMedians.Select(m => m.ToString("0.00", CultureInfo.InvariantCulture)))} s, " +
                           $"hls.js latency {Percentile(playerLatencies, 0.5):0.00} s (target {Percentile(targets, 0.5):0.00} s), stalls {stalls}, unreadable {unreadable}" + (share is { } sh ? $", last viewer's share from peers {sh:P1}" : "") +
                           $", load {result.LoadAverage:0.0}");
            return result;
        }
        finally
        {
            foreach (var (context, _) in viewers)
            {
                await context.CloseAsync();
            }

            publisher.Stop();
        }
    }

    private static async Task WaitForStateAsync(ServerUnderTest server, int id, int state, TimeSpan timeout, Publisher publisher, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            using var video = await server.GetVideoAsync(id, ct);
            if (video.RootElement.GetProperty("state").GetProperty("id").GetInt32() == state)
            {
                return;
            }

            if (publisher.HasExited)
            {
                throw new BenchmarkFailedException($"the publisher exited ({publisher.ExitCode}) before the live was published: {publisher.Errors}");
            }

            await Task.Delay(Bench.PollInterval, ct);
        }

        throw new BenchmarkFailedException($"the live was not published within {timeout.TotalSeconds:0} s: {publisher.Errors}");
    }

    /// <summary>
    /// ffmpeg publishing in real time: a 320x180 grey picture whose top strip holds the wall clock (ms mod 2^31, 32 blocks of
    /// 10 px, most significant first), set from RTCTIME as each frame leaves the source, and a sine.
    /// </summary>
    private static Publisher StartPublisher(string rtmpUrl, int seconds)
    {
        const string clock = "settb=1/1000,setpts=RTCTIME/1000," +
                             "geq=lum='if(lt(Y\\,20)\\,if(mod(floor(mod(floor(T*1000)\\,2147483648)/pow(2\\,31-floor(X/10)))\\,2)\\,235\\,16)\\,128)':cb=128:cr=128," +
                             "setpts=N/30/TB";
        return new Publisher([
            "-hide_banner", "-nostdin", "-loglevel", "error",
            "-re", "-f", "lavfi", "-i", "color=c=gray:s=320x180:r=30",
            "-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", seconds.ToString(CultureInfo.InvariantCulture),
            "-vf", clock,
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "30", "-keyint_min", "30",
            "-c:a", "aac", "-b:a", "64k",
            "-f", "flv", rtmpUrl,
        ]);
    }

    private sealed class Publisher : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _errors = new();

        public Publisher(IReadOnlyList<string> arguments)
        {
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            foreach (var a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            _process = Process.Start(start) ?? throw new BenchmarkFailedException("ffmpeg (the publisher) did not start.");
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (_errors)
                    {
                        _errors.AppendLine(e.Data);
                    }
                }
            };
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.HasExited ? _process.ExitCode : -1;

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(sorted.Count - 1, low + 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static string Markdown(LiveOptions options, string codeState, string chromiumVersion, IReadOnlyList<RunResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"### Live latency, glass to glass ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Code: {codeState}; Chromium {chromiumVersion} (headless); {Environment.ProcessorCount} cores.");
        text.AppendLine(CultureInfo.InvariantCulture, $"- The live runs {WarmUpSegments} segments before the first viewer arrives; {options.Viewers} viewer(s) per run, 3 s apart, in the embed (autoplay, muted); one sample per viewer per second for {options.SampleSeconds} s once all play.");
        text.AppendLine("- Publisher: ffmpeg -re, 320x180 30 fps with the wall clock burnt in (32 blocks), x264 veryfast zerolatency, keyframe every second, over RTMP.");
        text.AppendLine();
        text.AppendLine("| Mode | P2P | Player | Samples | Median | p95 | Per-viewer medians | hls.js latency (target) | Stalls | Last viewer from peers | Load |");
        text.AppendLine("|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Run.Mode.Name} ({r.Run.Mode.SegmentSeconds} s segments) | {(r.Run.P2p ? "on" : "off")} | {(r.Run.HlsDefaults ? "hls.js defaults" : "ours")} | " +
                $"{r.LatenciesSeconds.Count} | {Percentile(r.LatenciesSeconds, 0.5):0.00} s | {Percentile(r.LatenciesSeconds, 0.95):0.00} s | " +
                $"{string.Join(" / ", r.PerViewerMedians.Select(m => m.ToString("0.00", CultureInfo.InvariantCulture)))} | " +
                $"{Percentile(r.PlayerLatencies, 0.5):0.0} s ({Percentile(r.Targets, 0.5):0.0} s) | {r.Stalls} | " +
                $"{(r.LastViewerShare is { } s ? s.ToString("P0", CultureInfo.InvariantCulture) : "–")} | {r.LoadAverage:0.0} |");
        }

        return text.ToString();
    }
}
