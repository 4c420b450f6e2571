using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PeerTube.Net.Media;

namespace PeerTube.Net.Bench;

/// <summary>What one viewer's player said at the end (its loader's counters, see <see cref="P2PLoader.StatsScript"/>) and what its page asked of HTTP.</summary>
/// <param name="Index">1-based, in order of arrival.</param>
/// <param name="Arrival">When the viewer opened the embed, since the first one did.</param>
/// <param name="PlayedToEnd">Whether the video reached its end within the time bound.</param>
/// <param name="Watch">Page opened → video ended (or the time bound).</param>
/// <param name="HttpRangeBytes">The byte ranges of *-fragmented.mp4 the page requested over HTTP (init segments included): a cross-check of HttpBytes.</param>
/// <param name="Stalls">"waiting" events of the video after it first played (rebuffering).</param>
/// <param name="Level">The rendition played at the end (our player: #pt-player[data-pt-level]; the baseline page: hls.js' level height).</param>
/// <param name="Errors">console.error messages and uncaught exceptions of the page.</param>
/// <param name="Startup">Navigation start → the video's first "playing" event (null: it never played).</param>
internal sealed record ViewerResult(
    int Index, TimeSpan Arrival, bool PlayedToEnd, TimeSpan Watch, long HttpBytes, long P2PBytes, long UploadedBytes, int Peers, int Rejected,
    long HttpRangeBytes, int HttpRangeRequests, int Stalls, string Level, IReadOnlyList<string> Errors, TimeSpan? Startup = null)
{
    public long SegmentBytes => HttpBytes + P2PBytes;
}

/// <summary>One swarm of N viewers of a fresh video, all with the same loader.</summary>
/// <param name="LoadAverage">The machine's 1-minute load average, mean of before and after the swarm.</param>
internal sealed record SwarmResult(int Viewers, string Loader, string Uuid, IReadOnlyDictionary<string, (int Segments, long Bytes)> Renditions, TimeSpan Wall,
    IReadOnlyList<ViewerResult> Results, double LoadAverage = 0)
{
    public long HttpBytes => Results.Sum(r => r.HttpBytes);
    public long P2PBytes => Results.Sum(r => r.P2PBytes);
    public long SegmentBytes => HttpBytes + P2PBytes;
    public double Fraction => SegmentBytes == 0 ? 0 : P2PBytes / (double)SegmentBytes;
    public double Best => (Viewers - 1) / (double)Viewers;
    public double OfBest => Fraction / Best;
}

/// <summary>
/// The P2P benchmark: our server as a process (seeder off), one headless Chromium with the WebRTC flags of the P2P browser
/// tests, and for each swarm size N a fresh video watched to its end by N viewers (one browser context each: no shared
/// cache or localStorage) who arrive a few seconds apart through the embed (autoplay, muted). Their players' own counters
/// say how many segment bytes came over HTTP and how many from peers. With --loader p2pml (or both) the same swarms are
/// also watched with hls.js + p2p-media-loader (PeerTube's loader, bench/p2pml-page) through our server's WebSocket
/// tracker: a fresh video per swarm and loader, the two loaders taking turns at going first.
/// </summary>
internal static partial class P2PBench
{
    private const int Width = 640;
    private const int Height = 360;
    private const double EndSlack = 0.3;
    private static readonly TimeSpan ExtraWait = TimeSpan.FromSeconds(60);

    /// <summary>
    /// With the baseline, the server's tracker takes any info-hash (p2p-media-loader's swarm ids are not our torrents), and
    /// its per-IP limit on new sockets is raised: every viewer here is 127.0.0.1, each with tracker sockets of its own.
    /// Our own loader does not use the tracker (it signals through the /hubs/swarm SignalR hub), so these change nothing for it.
    /// </summary>
    private static readonly (string Name, string Value)[] BaselineTrackerSettings =
    [
        ("Tracker__Private", "false"),
        ("Tracker__AnnouncesPerIpPerMinute", "100000"),
    ];

    /// <summary>As tests/PeerTube.Net.Browser.Tests/P2PTests.cs (P2PSite): loopback WebRTC, host candidates without mDNS names.</summary>
    internal static readonly string[] ChromiumArguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--proxy-server=http://127.0.0.1:9",
        "--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
        // Background pages and timers of the other viewers must not be throttled: they are all "visible" players.
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
        "--autoplay-policy=no-user-gesture-required",
    ];

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var repo = Bench.FindRepoRoot();
        var chromium = Environment.GetEnvironmentVariable("PEERTUBE_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new BenchmarkFailedException($"Chromium was not found at {chromium} (set PEERTUBE_CHROMIUM or install the apt package chromium).");
        }

        var tools = new FfmpegTools();
        var capabilities = await FfmpegTools.DetectAsync(tools, ct);
        var runner = new FfmpegRunner(tools);
        var temp = Directory.CreateTempSubdirectory("ptnet-bench-p2p-");
        Bench.Progress($"work directory {temp.FullName}");
        ServerUnderTest? server = null;
        BaselinePageServer? page = null;
        IPlaywright? playwright = null;
        IBrowser? browser = null;
        try
        {
            var seconds = options.SourceSeconds;
            var codeState = await Bench.CodeStateAsync(repo, ct);
            var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
            if (options.Build)
            {
                await Bench.BuildServerAsync(repo, ct);
            }
            else if (!File.Exists(serverDll))
            {
                throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
            }

            var loaders = options.Loaders ?? [P2PLoaderKind.Ours];
            var baseline = loaders.Contains(P2PLoaderKind.P2pml);
            if (baseline && options.ClickToPlay)
            {
                Bench.Progress("--start click with p2p-media-loader: its page preloads with hls.js' defaults, then play() is called");
            }

            var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "server-storage")).FullName;
            var environment = new Dictionary<string, string>
            {
                ["Seeding__Enabled"] = "false",
                ["Logging__LogLevel__Default"] = "Warning",
            };
            if (baseline)
            {
                foreach (var (name, value) in BaselineTrackerSettings)
                {
                    environment[name] = value;
                }
            }

            Bench.Progress($"starting the server (seeder off{(baseline ? "; tracker open to any info-hash for p2p-media-loader's swarms" : "")})");
            server = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "server.log"), ct, environment);
            if (baseline)
            {
                page = await BaselinePageServer.StartAsync(repo, ct);
                Bench.Progress($"p2p-media-loader {page.Version} page at {page.BaseUrl}/index.html");
            }

            playwright = await Playwright.CreateAsync();
            browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = ChromiumArguments,
                Timeout = 60_000,
            });
            Bench.Progress($"Chromium {browser.Version}");

            var swarms = new List<SwarmResult>();
            var sizes = options.Viewers ?? [2, 4, 6];
            for (var round = 0; round < sizes.Count; round++)
            {
                var n = sizes[round];
                // Both loaders in the same session, taking turns at going first (the machine's load drifts).
                var order = round % 2 == 0 ? loaders : loaders.Reverse().ToList();
                foreach (var kind in order)
                {
                    var loader = kind == P2PLoaderKind.P2pml ? P2PLoader.P2pml(server.BaseUrl, page!.BaseUrl, page.Version, options.P2pmlCore) : P2PLoader.Ours(server.BaseUrl);
                    var label = $"N={n} {loader.Name}";
                    // A fresh video per swarm size and loader: nobody from a previous round is in its swarms.
                    var seed = round * 2 + (kind == P2PLoaderKind.P2pml ? 1 : 0);
                    var source = Path.Combine(temp.FullName, $"source-{seed}.mp4");
                    Bench.Progress($"{label}: generating a {Width}x{Height} {seconds} s source (keyframe every 2 s) and publishing it");
                    await runner.RunAsync(SourceCommand(source, seconds, seed), TimeSpan.Zero, null, null, ct);
                    var id = await server.UploadAsync(source, $"p2p bench N={n} {kind}", ct);
                    var publishWatch = Stopwatch.StartNew();
                    await server.WaitUntilPublishedAsync(id, Bench.PollInterval, ct);
                    Bench.Progress($"{label}: published in {publishWatch.Elapsed.TotalSeconds:0.0} s");
                    var video = await DescribeAsync(server, id, ct);
                    Bench.Progress($"{label}: video {video.Uuid}; renditions: " +
                                   string.Join(", ", video.Renditions.Select(r => $"{r.Key} {r.Value.Segments} segments {r.Value.Bytes / 1e6:0.00} MB")));
                    var load = CpuClock.LoadAverage();
                    var swarm = await WatchAsync(browser, loader, video, n, seconds, options, label, ct);
                    swarms.Add(swarm with { LoadAverage = (load + CpuClock.LoadAverage()) / 2 });
                    Bench.Progress($"{label}: {swarm.P2PBytes / 1e6:0.00} MB of {swarm.SegmentBytes / 1e6:0.00} MB from peers = {swarm.Fraction:P1} " +
                                   $"(best {swarm.Best:P1}, {swarm.OfBest:0.00} of it); load average {load:0.0} → {CpuClock.LoadAverage():0.0}");
                }
            }

            Console.WriteLine(Markdown(options, capabilities.Version, browser.Version, codeState, seconds, swarms, page?.Version));
            return 0;
        }
        finally
        {
            if (browser is not null)
            {
                await browser.CloseAsync();
            }

            playwright?.Dispose();
            if (page is not null)
            {
                await page.DisposeAsync();
            }

            if (server is not null)
            {
                await server.DisposeAsync();
            }

            temp.Delete(recursive: true);
            Bench.Progress("temporary files deleted");
        }
    }

    /// <summary>N viewers, viewer i (0-based) arriving at i × gap; all stay on the page until every one has finished.</summary>
    private static async Task<SwarmResult> WatchAsync(IBrowser browser, P2PLoader loader, SwarmVideo video, int n, int seconds, BenchOptions options,
        string label, CancellationToken ct)
    {
        var bound = TimeSpan.FromSeconds(seconds / options.PlaybackRate) + ExtraWait;
        var viewers = new List<Viewer>();
        var clock = Stopwatch.StartNew();
        try
        {
            var tasks = new List<Task>();
            for (var i = 0; i < n; i++)
            {
                var arrival = TimeSpan.FromSeconds(i * options.GapSeconds);
                var wait = arrival - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                }

                var viewer = await Viewer.OpenAsync(browser, loader, i + 1, clock.Elapsed, options.PlaybackRate);
                viewers.Add(viewer);
                Bench.Progress($"{label}: viewer {i + 1} opens the page at {clock.Elapsed.TotalSeconds:0.0} s");
                tasks.Add(viewer.WatchAsync(loader.PageUrl(video, options.ClickToPlay), options.ClickToPlay, bound, label));
            }

            await Task.WhenAll(tasks).WaitAsync(bound + TimeSpan.FromSeconds(n * options.GapSeconds + 60), ct);
            var wall = clock.Elapsed;
            // Everybody is still on the page: the counters include what each sent to the late comers.
            var results = new List<ViewerResult>();
            foreach (var viewer in viewers)
            {
                results.Add(await viewer.ResultAsync());
            }

            foreach (var r in results)
            {
                Bench.Progress($"{label}: viewer {r.Index}: {(r.PlayedToEnd ? "ended" : "DID NOT END")} after {r.Watch.TotalSeconds:0.0} s, " +
                               $"http {r.HttpBytes / 1e3:0} kB, p2p {r.P2PBytes / 1e3:0} kB, up {r.UploadedBytes / 1e3:0} kB, peers {r.Peers}, " +
                               $"rejected {r.Rejected}, stalls {r.Stalls}, level {r.Level}, HTTP ranges {r.HttpRangeRequests} ({r.HttpRangeBytes / 1e3:0} kB)" +
                               (r.Errors.Count > 0 ? $", {r.Errors.Count} page error(s): {r.Errors[0]}" : ""));
            }

            return new SwarmResult(n, loader.Name, video.Uuid, video.Renditions, wall, results);
        }
        finally
        {
            foreach (var viewer in viewers)
            {
                await viewer.DisposeAsync();
            }
        }
    }

    /// <summary>One viewer: a browser context of its own (no shared HTTP cache or localStorage) and its page.</summary>
    private sealed class Viewer : IAsyncDisposable
    {
        private readonly IBrowserContext _context;
        private readonly IPage _page;
        private readonly P2PLoader _loader;
        private readonly List<string> _errors = [];
        private long _rangeBytes;
        private int _rangeRequests;
        private bool _ended;
        private TimeSpan _watch;

        private Viewer(int index, TimeSpan arrival, IBrowserContext context, IPage page, P2PLoader loader)
        {
            _loader = loader;
            Index = index;
            Arrival = arrival;
            _context = context;
            _page = page;
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    lock (_errors)
                    {
                        _errors.Add(message.Text);
                    }
                }
            };
            page.PageError += (_, error) =>
            {
                lock (_errors)
                {
                    _errors.Add(error);
                }
            };
            page.Request += (_, request) =>
            {
                var path = request.Url.Split('?', '#')[0];
                if (!path.EndsWith("-fragmented.mp4", StringComparison.Ordinal))
                {
                    return;
                }

                Interlocked.Increment(ref _rangeRequests);
                if (request.Headers.TryGetValue("range", out var range) && RangePattern().Match(range) is { Success: true } m)
                {
                    Interlocked.Add(ref _rangeBytes, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) -
                                                     long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + 1);
                }
            };
        }

        public int Index { get; }
        public TimeSpan Arrival { get; }

        public static async Task<Viewer> OpenAsync(IBrowser browser, P2PLoader loader, int index, TimeSpan arrival, double rate)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 960, Height = 540 },
                Locale = "en-US",
            });
            // Chromium hides host ICE candidates behind mDNS names (unresolvable here) unless the page may use the camera.
            await context.GrantPermissionsAsync(["camera", "microphone"]);
            context.SetDefaultTimeout(30_000);
            context.SetDefaultNavigationTimeout(30_000);
            // Rebuffering count, and the playback rate (set on every play: the player may reset it on load).
            await context.AddInitScriptAsync(string.Create(CultureInfo.InvariantCulture, $$"""
                (() => {
                  window.__bench = { played: false, stalls: 0, startup: -1 };
                  document.addEventListener('playing', e => {
                    if (!window.__bench.played) window.__bench.startup = performance.now();
                    window.__bench.played = true;
                  }, true);
                  document.addEventListener('waiting', e => { if (window.__bench.played && !e.target.ended) window.__bench.stalls++ }, true);
                  document.addEventListener('play', e => { if ({{rate}} !== 1) e.target.playbackRate = {{rate}} }, true);
                })();
                """));
            var page = await context.NewPageAsync();
            return new Viewer(index, arrival, context, page, loader);
        }

        public async Task WatchAsync(string url, bool click, TimeSpan bound, string label)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                await _page.GotoAsync(url);
                if (click)
                {
                    // As a viewer who presses play a moment after the page shows: the player preloads (paused, so no
                    // fragment is urgent) until its first fragment is buffered, or 8 s at most.
                    await _page.WaitForFunctionAsync(_loader.ReadyScript);
                    try
                    {
                        await _page.WaitForFunctionAsync($"() => (document.querySelector('{_loader.VideoSelector}')?.buffered.length ?? 0) > 0", null,
                            new PageWaitForFunctionOptions { Timeout = 8000, PollingInterval = 100 });
                    }
                    catch (TimeoutException)
                    {
                        Bench.Progress($"{label}: viewer {Index}: nothing preloaded after 8 s; pressing play anyway");
                    }

                    await _loader.PressPlayAsync(_page);
                }

                await _page.WaitForFunctionAsync(
                    $"() => {{ const v = document.querySelector('{_loader.VideoSelector}'); return !!v && v.duration > 0 && (v.ended || v.currentTime >= v.duration - {EndSlack.ToString(CultureInfo.InvariantCulture)}) }}",
                    null, new PageWaitForFunctionOptions { Timeout = (float)bound.TotalMilliseconds, PollingInterval = 250 });
                _ended = true;
            }
            catch (Exception e) when (e is TimeoutException or PlaywrightException)
            {
                Bench.Progress($"{label}: viewer {Index} did not reach the end: {e.Message.Split('\n')[0]}");
            }

            _watch = clock.Elapsed;
        }

        public async Task<ViewerResult> ResultAsync()
        {
            JsonElement stats, extra;
            try
            {
                stats = await _page.EvaluateAsync<JsonElement>(_loader.StatsScript);
                extra = await _page.EvaluateAsync<JsonElement>("() => ({ stalls: window.__bench?.stalls ?? -1, startup: window.__bench?.startup ?? -1 })");
            }
            catch (PlaywrightException e)
            {
                throw new BenchmarkFailedException($"{_loader.Name} viewer {Index}: cannot read the loader's counters: {e.Message}");
            }

            if (stats.ValueKind != JsonValueKind.Object)
            {
                throw new BenchmarkFailedException($"{_loader.Name} viewer {Index}: the player's counters are missing (the player did not start).");
            }

            List<string> errors;
            lock (_errors)
            {
                errors = [.. _errors];
            }

            return new ViewerResult(Index, Arrival, _ended, _watch,
                Long(stats, "httpBytes"), Long(stats, "p2pBytes"), Long(stats, "uploadedBytes"), (int)Long(stats, "peers"), (int)Long(stats, "rejected"),
                Interlocked.Read(ref _rangeBytes), _rangeRequests, extra.GetProperty("stalls").GetInt32(),
                stats.TryGetProperty("level", out var level) && level.ValueKind == JsonValueKind.String ? level.GetString()! : "?", errors,
                extra.GetProperty("startup").GetDouble() is var startup and >= 0 ? TimeSpan.FromMilliseconds(startup) : null);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _context.CloseAsync();
            }
            catch (PlaywrightException)
            {
                // The browser is going anyway.
            }
        }

        private static long Long(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? (long)v.GetDouble() : 0;
    }

    /// <summary>uuid, playlist URLs, and per rendition file its number of media segments and their bytes (segments-sha256.json and the API's sizes).</summary>
    private static async Task<SwarmVideo> DescribeAsync(
        ServerUnderTest server, int id, CancellationToken ct)
    {
        using var video = await server.GetVideoAsync(id, ct);
        var root = video.RootElement;
        var uuid = root.GetProperty("uuid").GetString()!;
        var playlist = root.GetProperty("streamingPlaylists")[0];
        var sizes = playlist.GetProperty("files").EnumerateArray().ToDictionary(
            f => f.GetProperty("resolution").GetProperty("id").GetInt32(), f => f.GetProperty("size").GetInt64());
        var renditions = new SortedDictionary<string, (int, long)>(StringComparer.Ordinal);
        string? sha256Url = null;
        if (playlist.TryGetProperty("segmentsSha256Url", out var url) && url.ValueKind == JsonValueKind.String)
        {
            sha256Url = url.GetString()!;
            using var table = JsonDocument.Parse(await server.GetBytesAsync(sha256Url, ct));
            foreach (var file in table.RootElement.EnumerateObject())
            {
                var match = ResolutionPattern().Match(file.Name);
                var resolution = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : -1;
                var label = resolution == 0 ? "audio" : $"{resolution}p";
                renditions[label] = (file.Value.EnumerateObject().Count(), sizes.GetValueOrDefault(resolution));
            }
        }

        var origin = new Uri(server.BaseUrl + "/");
        return new SwarmVideo(uuid, new Uri(origin, playlist.GetProperty("playlistUrl").GetString()!).ToString(),
            sha256Url is null ? null : new Uri(origin, sha256Url).ToString(), renditions);
    }

    /// <summary>testsrc2 640x360 at 30 fps with a keyframe every 2 s (as the server's profile), and a sine; the seed makes each video differ.</summary>
    private static List<string> SourceCommand(string path, int seconds, int seed) =>
    [
        "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"testsrc2=size={Width}x{Height}:rate=30"),
        "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"sine=frequency={400 + seed * 20}:sample_rate=48000"),
        "-t", seconds.ToString(CultureInfo.InvariantCulture),
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-g", "60", "-keyint_min", "60", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced*2)",
        "-c:a", "aac",
        path,
    ];

    /// <summary>How evenly the viewers shared the upload: one early viewer serving everyone shows as a wide spread.</summary>
    private static string UploadSpread(IReadOnlyList<ViewerResult> results)
    {
        var up = results.Select(r => r.UploadedBytes).Order().ToList();
        return up.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{up[0] / 1e3:0} / {up[up.Count / 2] / 1e3:0} / {up[^1] / 1e3:0} kB");
    }

    private static string MedianStartup(IReadOnlyList<ViewerResult> results)
    {
        var times = results.Where(r => r.Startup is not null).Select(r => r.Startup!.Value.TotalSeconds).Order().ToList();
        return times.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{times[times.Count / 2]:0.00} s");
    }

    private static string Markdown(BenchOptions options, string ffmpegVersion, string chromiumVersion, string codeState, int seconds,
        IReadOnlyList<SwarmResult> swarms, string? baselineVersion)
    {
        var text = new StringBuilder();
        var rate = options.PlaybackRate.ToString("0.##", CultureInfo.InvariantCulture);
        var gap = options.GapSeconds.ToString("0.##", CultureInfo.InvariantCulture);
        var loaders = swarms.Select(s => s.Loader).Distinct().ToList();
        text.AppendLine("### P2P: fraction of segment bytes from peers").AppendLine();
        text.AppendLine($"- Code: {codeState}; Chromium {chromiumVersion} (headless, one browser, one context per viewer); ffmpeg {ffmpegVersion}.");
        text.AppendLine($"- {Environment.ProcessorCount} logical CPUs; server, Chromium and this program on one machine, everything over loopback.");
        text.AppendLine($"- Per swarm size N and loader a fresh {Width}x{Height} {seconds} s video (keyframe every 2 s); viewers arrive {gap} s apart" +
                        $"{(options.ClickToPlay ? ", press play once the player has preloaded its first fragment (≤ 8 s)" : ", autoplay")}, " +
                        $"playback rate {rate}×, and stay until all have reached the end (bound: duration/rate + {ExtraWait.TotalSeconds:0} s).");
        if (loaders.Contains("PeerTube.Net"))
        {
            text.AppendLine($"- PeerTube.Net: `{P2PLoader.EmbedPath("{uuid}", options.ClickToPlay)}`; bytes are the player's own counters " +
                            "(`window.peertubePlayer.p2pStats()`): media segments only, init segments excluded.");
        }

        if (baselineVersion is not null)
        {
            text.AppendLine($"- p2p-media-loader {baselineVersion} (core + hlsjs) on `bench/p2pml-page` (hls.js from its package-lock; hls.js defaults; core defaults unless overridden below), " +
                            "another loopback origin; master playlist `streamingPlaylists[0].playlistUrl`, tracker `ws://{server}/tracker/socket`, " +
                            "swarmId `bench-{uuid}`, no ICE servers, peer segments checked against segments-sha256.json. Bytes are the sums of its " +
                            "`onChunkDownloaded` (by `downloadSource`) and `onChunkUploaded` events: media segments only (init segments go through " +
                            "hls.js' own loader). Server: " + string.Join(", ", BaselineTrackerSettings.Select(t => $"`{t.Name}={t.Value}`")) + "." +
                            (options.P2pmlCore is { } core ? $" Core config overrides (--p2pml-core): `{core}`." : ""));
        }

        text.AppendLine();
        text.AppendLine("| N | Loader | Segment bytes (HTTP + P2P) | From peers | Fraction P2P | Best (N−1)/N | Fraction / best | All played to end | Stalls | Rejected | " +
                        "Viewers with peer bytes | Upload per viewer min / median / max | Median startup | Load avg |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in swarms.OrderBy(s => s.Viewers).ThenBy(s => loaders.IndexOf(s.Loader)))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Viewers} | {s.Loader} | {s.SegmentBytes / 1e6:0.00} MB | {s.P2PBytes / 1e6:0.00} MB | {s.Fraction:P1} | {s.Best:P1} | **{s.OfBest:0.00}** | " +
                $"{(s.Results.All(r => r.PlayedToEnd) ? "yes" : $"{s.Results.Count(r => r.PlayedToEnd)}/{s.Viewers}")} | " +
                $"{s.Results.Sum(r => Math.Max(0, r.Stalls))} | {s.Results.Sum(r => r.Rejected)} | " +
                $"{s.Results.Count(r => r.P2PBytes > 0)}/{s.Viewers} | {UploadSpread(s.Results)} | {MedianStartup(s.Results)} | {s.LoadAverage:0.0} |"));
        }

        if (loaders.Count == 2)
        {
            text.AppendLine();
            text.AppendLine($"| N | {loaders[0]}: fraction / best | {loaders[1]}: fraction / best | {loaders[0]} / {loaders[1]} (fraction P2P) | " +
                            $"HTTP bytes, {loaders[0]} / {loaders[1]} |");
            text.AppendLine("|---:|---:|---:|---:|---:|");
            foreach (var group in swarms.GroupBy(s => s.Viewers).OrderBy(g => g.Key))
            {
                var a = group.FirstOrDefault(s => s.Loader == loaders[0]);
                var b = group.FirstOrDefault(s => s.Loader == loaders[1]);
                if (a is null || b is null)
                {
                    continue;
                }

                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {group.Key} | {a.OfBest:0.00} | {b.OfBest:0.00} | {(b.Fraction == 0 ? "∞" : (a.Fraction / b.Fraction).ToString("0.00", CultureInfo.InvariantCulture))} | " +
                    $"{(b.HttpBytes == 0 ? "–" : (a.HttpBytes / (double)b.HttpBytes).ToString("0.00", CultureInfo.InvariantCulture))} |"));
            }
        }

        text.AppendLine();
        text.AppendLine("Per viewer (arrival order; HTTP ranges = the `*-fragmented.mp4` byte ranges the page requested, init segments included):");
        text.AppendLine();
        text.AppendLine("| N | Loader | Viewer | Arrives | Level | HTTP | From peers | Uploaded | Fraction P2P | HTTP ranges | Peers at end | Stalls | Ended after |");
        text.AppendLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var s in swarms.OrderBy(s => s.Viewers).ThenBy(s => loaders.IndexOf(s.Loader)))
        {
            foreach (var r in s.Results)
            {
                var fraction = r.SegmentBytes == 0 ? 0 : r.P2PBytes / (double)r.SegmentBytes;
                text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Viewers} | {s.Loader} | {r.Index} | {r.Arrival.TotalSeconds:0.0} s | {r.Level} | {r.HttpBytes / 1e3:0} kB | {r.P2PBytes / 1e3:0} kB | " +
                    $"{r.UploadedBytes / 1e3:0} kB | {fraction:P0} | {r.HttpRangeRequests} ({r.HttpRangeBytes / 1e3:0} kB) | {r.Peers} | {r.Stalls} | " +
                    $"{(r.PlayedToEnd ? $"{r.Watch.TotalSeconds:0.0} s" : "did not end")} |"));
            }
        }

        var renditions = swarms.FirstOrDefault()?.Renditions;
        if (renditions is not null)
        {
            text.AppendLine();
            text.AppendLine("Renditions (first video): " + string.Join(", ",
                renditions.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key} {r.Value.Segments} segments / {r.Value.Bytes / 1e6:0.00} MB"))) + ".");
        }

        var errors = swarms.SelectMany(s => s.Results.SelectMany(r => r.Errors.Select(e => $"N={s.Viewers} {s.Loader} viewer {r.Index}: {e}"))).ToList();
        if (errors.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"Page errors ({errors.Count}): " + string.Join("; ", errors.Take(8)));
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^bytes=(\d+)-(\d+)$")]
    private static partial Regex RangePattern();

    [GeneratedRegex(@"-(\d+)-fragmented\.mp4$")]
    private static partial Regex ResolutionPattern();
}
