using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Federation;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Peer-to-peer segments (docs/p2p-contract.md): two viewers of one video, in two browser contexts, share its HLS segments
/// over WebRTC; a peer sending corrupt segments is caught by the sha256 check; an embed with p2p=0 never touches WebRTC.
/// </summary>
public sealed partial class P2PTests(P2PSite site) : IClassFixture<P2PSite>, IAsyncLifetime
{
    private readonly List<BrowserSession> _sessions = [];

    /// <summary>320x180 gives a 180p + 144p ladder; 9 s is three 4 s segments per rendition.</summary>
    private Task<PublishedVideo> VideoAsync() => site.Site.PublishedVideoAsync("P2P pattern", 320, 180, seconds: 9);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <param name="height">
    /// Null: both viewers let hls.js choose (the 180p rendition, a copy of the source, is one 9 s segment).
    /// 144: both pick 144p in the settings menu first (three segments: the prefetch from peers is exercised).
    /// </param>
    [Theory]
    [InlineData(null)]
    [InlineData(144)]
    public async Task A_second_viewer_gets_most_segments_from_the_first(int? height)
    {
        var video = await VideoAsync();

        // Viewer A watches the whole video over HTTP (nobody else is there) and stays on the page. The server's own count
        // of the media bytes it sent agrees (the tests of this class share the video, so each counts from its start).
        var servedAtStart = await ServedHttpBytesAsync(video);
        var a = await VisitAsync();
        await WatchToTheEndAsync(a, video, height: height);
        var aStats = await StatsAsync(a);
        Assert.True(aStats.GetProperty("httpBytes").GetInt64() > 0, $"viewer A got no segment over HTTP: {aStats}.{a.Diagnostics()}");
        // The server counts a response once it is complete, which may be just after the player has it.
        var servedToA = await FederationTestKit.EventuallyAsync(async () =>
            await ServedHttpBytesAsync(video) - servedAtStart is var served && served >= aStats.GetProperty("httpBytes").GetInt64() ? (long?)served : null,
            $"the server to count at least the {aStats.GetProperty("httpBytes")} bytes viewer A says it got over HTTP") ?? 0;
        Assert.True(servedToA >= aStats.GetProperty("httpBytes").GetInt64(),
            $"the server counted {servedToA} media bytes sent while viewer A says it got {aStats.GetProperty("httpBytes")} over HTTP");

        // Viewer B opens the same page, finds A through the hub, and watches it too.
        var b = await VisitAsync();
        var media = RecordMediaRequests(b);
        await OpenAndWaitForPeerAsync(b, video);
        await PickResolutionAsync(b, height);
        await b.Page.ClickAsync("#pt-player button[data-pt=play]");
        await b.WaitForAsync("() => { const v = document.querySelector('#pt-player video'); return v.ended || v.currentTime >= v.duration - 0.3 }",
            "viewer B's video to play to its end", TimeSpan.FromSeconds(60));

        var servedToB = await ServedHttpBytesAsync(video) - servedAtStart - servedToA;
        var bStats = await StatsAsync(b);
        var p2p = bStats.GetProperty("p2pBytes").GetInt64();
        var http = bStats.GetProperty("httpBytes").GetInt64();
        var ratio = p2p / (double)Math.Max(1, p2p + http);
        var aAfter = await StatsAsync(a);
        var requested = media.Sum(r => r.Bytes);
        var segmentRequests = media.Count(r => r.Start > 0);
        var segments = await SegmentCountAsync(b, await b.Page.GetAttributeAsync("#pt-player", "data-pt-level"));
        var report = $"B: {bStats}; A: {aAfter}; the server sent {servedToA} media bytes to A, {servedToB} to B; B's HTTP media requests: {media.Count} ({requested} bytes): " +
                     $"{string.Join(", ", media.Select(r => $"{r.File} {r.Start}-{r.End}"))}; segments in B's rendition: {segments}";
        TestContext.Current.TestOutputHelper?.WriteLine($"P2P ratio of viewer B: {ratio:P1}. {report}");

        Assert.True(ratio > 0.5, $"viewer B got {ratio:P1} of its segment bytes from peers, expected more than 50%. {report}.{b.Diagnostics()}");
        Assert.True(requested < 0.5 * (p2p + http),
            $"viewer B's HTTP range requests for the fragmented mp4 cover {requested} bytes of {p2p + http}, expected less than half. {report}");
        Assert.True(servedToB < 0.5 * (p2p + http),
            $"the server counted {servedToB} media bytes sent over HTTP while viewer B watched {p2p + http} bytes, expected less than half. {report}");
        Assert.True(segmentRequests < segments, $"viewer B asked HTTP for {segmentRequests} media segments of {segments}. {report}");
        Assert.True(aAfter.GetProperty("uploadedBytes").GetInt64() > 0, $"viewer A sent nothing to B. {report}");
        Assert.True(await b.Page.Locator(".pt-error:visible").CountAsync() == 0, "viewer B's player shows an error");
        Assert.True(b.Errors.Count == 0, $"viewer B's page logged errors.{b.Diagnostics()}");
        Assert.True(a.Errors.Count == 0, $"viewer A's page logged errors.{a.Diagnostics()}");

        // The stats panel says it too.
        await b.Page.ClickAsync("#pt-player button[data-pt=stats]");
        var panel = await b.Page.InnerTextAsync("#pt-player .pt-stats [data-pt-stat=p2p] .pt-stats-value");
        Assert.Contains("from peers", panel, StringComparison.Ordinal);
        await b.ScreenshotAsync("p2p-viewer-b.png");
    }

    /// <summary>
    /// Issue 16: with 5 connections per player, the first six viewers filled each other's slots and the seventh and
    /// eighth were told of peers that dropped their offers. Eight viewers of a 144p video: the first watches it over
    /// HTTP, six more arrive a second apart and play together, then the last; every one of them gets segments from
    /// peers, and the last most of its bytes. With the player of e5a369f it fails: one of the crowd never gets a peer.
    /// </summary>
    [Fact]
    public async Task Every_viewer_of_a_crowd_finds_peers()
    {
        var video = await site.Site.PublishedVideoAsync("P2P crowd", 320, 180, seconds: 12);
        var first = await VisitAsync();
        await WatchToTheEndAsync(first, video, height: 144);

        var crowd = new List<BrowserSession>();
        for (var i = 0; i < 6; i++)
        {
            var viewer = await VisitAsync();
            crowd.Add(viewer);
            await OpenAndWaitForPeerAsync(viewer, video);
            await PickResolutionAsync(viewer, 144);
            await viewer.Page.ClickAsync("#pt-player button[data-pt=play]");
            await Task.Delay(1000);
        }

        var last = await VisitAsync();
        crowd.Add(last);
        await OpenAndWaitForPeerAsync(last, video);
        await PickResolutionAsync(last, 144);
        await last.Page.ClickAsync("#pt-player button[data-pt=play]");
        foreach (var viewer in crowd)
        {
            await viewer.WaitForAsync("() => { const v = document.querySelector('#pt-player video'); return v.ended || v.currentTime >= v.duration - 0.3 }",
                $"viewer {crowd.IndexOf(viewer) + 2}'s video to play to its end", TimeSpan.FromSeconds(90));
        }

        var stats = new List<JsonElement>();
        foreach (var viewer in crowd)
        {
            stats.Add(await StatsAsync(viewer));
        }

        var report = string.Join("; ", stats.Select((s, i) => $"viewer {i + 2}: {s}")) + $"; viewer 1: {await StatsAsync(first)}";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        for (var i = 0; i < stats.Count; i++)
        {
            Assert.True(stats[i].GetProperty("p2pBytes").GetInt64() > 0, $"viewer {i + 2} got nothing from peers. {report}.{crowd[i].Diagnostics()}");
        }

        var p2p = stats[^1].GetProperty("p2pBytes").GetInt64();
        var ratio = p2p / (double)Math.Max(1, p2p + stats[^1].GetProperty("httpBytes").GetInt64());
        Assert.True(ratio > 0.5, $"the last viewer got {ratio:P1} of its segment bytes from peers, expected more than half. {report}.{last.Diagnostics()}");
        foreach (var viewer in crowd)
        {
            Assert.True(viewer.Errors.Count == 0, $"viewer {crowd.IndexOf(viewer) + 2}'s page logged errors.{viewer.Diagnostics()}");
        }
    }

    [Fact]
    public async Task Corrupt_segments_from_a_peer_are_rejected_and_fetched_over_http()
    {
        var video = await VideoAsync();

        // Viewer A corrupts everything it sends (a test-only hook of the player).
        var a = await VisitAsync();
        await a.GotoAsync(video.WatchPath);
        await a.WaitForAsync("() => window.peertubePlayer !== undefined", "window.peertubePlayer on viewer A's page");
        await a.Page.EvaluateAsync("() => { window.peertubePlayer.__p2pTamper = true }");
        await WatchToTheEndAsync(a, video, navigate: false);

        // Viewer B finds A, gets corrupt bytes, drops A, and plays from HTTP without a hitch.
        var b = await VisitAsync();
        // No wait for data-pt-p2p-peers here: B may connect, get a corrupt segment and drop A before the attribute is polled.
        await b.GotoAsync(video.WatchPath);
        await b.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true]");
        var stats = await b.PollAsync<JsonElement>("() => window.peertubePlayer.p2pStats()",
            s => s.GetProperty("rejected").GetInt32() >= 1, TimeSpan.FromSeconds(30));
        Assert.True(stats.GetProperty("rejected").GetInt32() >= 1,
            $"viewer B never rejected a segment from the tampering peer A: {stats}; A: {await StatsAsync(a)}.{b.Diagnostics()}");

        await b.Page.ClickAsync("#pt-player button[data-pt=play]");
        await b.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 3",
            "viewer B's video to play past 3 s after rejecting corrupt segments", TimeSpan.FromSeconds(40));
        stats = await StatsAsync(b);
        TestContext.Current.TestOutputHelper?.WriteLine($"B: {stats}; A: {await StatsAsync(a)}");
        Assert.True(stats.GetProperty("httpBytes").GetInt64() > 0, $"viewer B fetched nothing over HTTP after the rejection: {stats}");
        Assert.True(stats.GetProperty("p2pBytes").GetInt64() == 0, $"viewer B counted corrupt bytes as peer bytes: {stats}");
        Assert.True(await b.Page.Locator(".pt-error:visible").CountAsync() == 0,
            $"viewer B's player shows an error: '{string.Join(" ", await b.Page.Locator(".pt-error").AllInnerTextsAsync())}'");
        Assert.True(b.Errors.Count == 0, $"viewer B's page logged errors.{b.Diagnostics()}");
    }

    [Fact]
    public async Task An_embed_with_p2p_0_uses_no_webrtc_and_no_hub()
    {
        var video = await VideoAsync();
        var viewer = await VisitAsync();
        await viewer.Context.AddInitScriptAsync("""
            (() => {
              window.__rtcConstructed = 0;
              const Original = window.RTCPeerConnection;
              if (!Original) return;
              const Counting = function (...args) { window.__rtcConstructed++; return new Original(...args); };
              Counting.prototype = Original.prototype;
              Object.setPrototypeOf(Counting, Original);
              window.RTCPeerConnection = Counting;
            })();
            """);

        // Control: the watch page (P2P on) talks to the hub, so the check below can see it.
        await viewer.GotoAsync(video.WatchPath);
        await viewer.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptP2pPeers !== undefined",
            "#pt-player[data-pt-p2p-peers] on the watch page (P2P on)");
        var hubRequests = await WaitForHubRequestAsync(viewer);
        Assert.True(hubRequests > 0, $"the watch page made no /hubs/swarm request, so the p2p=0 check proves nothing.{viewer.Diagnostics()}");

        // An embed with P2P on warns under its title (PeerTube's warningTitle); warningTitle=0 hides the warning.
        await viewer.GotoAsync($"/videos/embed/{video.Uuid}");
        await viewer.Page.Locator(".pt-title").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        Assert.Equal(1, await viewer.Page.Locator(".pt-title .pt-title-warning").CountAsync());
        await viewer.GotoAsync($"/videos/embed/{video.Uuid}?warningTitle=0");
        await viewer.Page.Locator(".pt-title").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Attached });
        Assert.Equal(0, await viewer.Page.Locator(".pt-title-warning").CountAsync());

        var since = viewer.Now;
        await viewer.GotoAsync($"/videos/embed/{video.Uuid}?p2p=0&autoplay=1&muted=1");
        await viewer.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 2",
            "the p2p=0 embed to play past 2 s", TimeSpan.FromSeconds(40));
        var constructed = await viewer.Page.EvaluateAsync<int>("() => window.__rtcConstructed");
        var hub = viewer.Requests.Where(r => r.At >= since && r.Url.Contains("/hubs/swarm", StringComparison.Ordinal)).ToList();
        Assert.True(constructed == 0, $"the p2p=0 embed created {constructed} RTCPeerConnection(s)");
        Assert.True(hub.Count == 0, $"the p2p=0 embed talked to the swarm hub: {string.Join(", ", hub)}");
        Assert.True(await viewer.Page.EvaluateAsync<bool>("() => document.querySelector('#pt-player').dataset.ptP2pPeers === undefined"),
            "the p2p=0 embed still set data-pt-p2p-peers");
        Assert.Equal(0, await viewer.Page.Locator(".pt-title-warning").CountAsync());
        Assert.True(viewer.Errors.Count == 0, $"the p2p=0 embed logged errors.{viewer.Diagnostics()}");
    }

    private async Task<BrowserSession> VisitAsync()
    {
        var session = await BrowserSession.OpenAsync(site.Browser, site.Site.BaseUrl, _sessions.Count + 1);
        _sessions.Add(session);
        // Chromium hides host ICE candidates behind mDNS names (unresolvable here) unless the page may use the camera.
        await session.Context.GrantPermissionsAsync(["camera", "microphone"]);
        return session;
    }

    private static async Task WatchToTheEndAsync(BrowserSession viewer, PublishedVideo video, bool navigate = true, int? height = null)
    {
        if (navigate)
        {
            await viewer.GotoAsync(video.WatchPath);
        }

        await viewer.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true]");
        await PickResolutionAsync(viewer, height);
        await viewer.Page.ClickAsync("#pt-player button[data-pt=play]");
        await viewer.WaitForAsync("() => { const v = document.querySelector('#pt-player video'); return v.ended || v.currentTime >= v.duration - 0.3 }",
            "the first viewer's video to play to its end", TimeSpan.FromSeconds(60));
    }

    private static async Task OpenAndWaitForPeerAsync(BrowserSession viewer, PublishedVideo video)
    {
        await viewer.GotoAsync(video.WatchPath);
        await viewer.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true]");
        await viewer.WaitForAsync("() => Number(document.querySelector('#pt-player').dataset.ptP2pPeers ?? 0) >= 1",
            "#pt-player[data-pt-p2p-peers] >= 1 (the second viewer connected to the first over WebRTC)", TimeSpan.FromSeconds(30));
    }

    /// <summary>Picks a resolution in the settings menu, as a viewer does (null: leave it automatic).</summary>
    private static async Task PickResolutionAsync(BrowserSession viewer, int? height)
    {
        if (height is null)
        {
            return;
        }

        await viewer.Page.ClickAsync("#pt-player button[data-pt=settings]");
        await viewer.Page.ClickAsync($"#pt-player [data-pt-resolution=\"{height}\"]");
        await viewer.WaitForAsync($"() => document.querySelector('#pt-player').dataset.ptLevel === '{height}'",
            $"#pt-player[data-pt-level={height}] after picking it in the settings menu");
    }

    /// <summary>The media bytes the server itself counted as sent over HTTP for the video (GET /api/v1/admin/p2p/stats).</summary>
    private async Task<long> ServedHttpBytesAsync(PublishedVideo video)
    {
        var stats = await site.Site.Root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/p2p/stats?count=500");
        return stats.GetProperty("videos").EnumerateArray()
            .Where(v => v.GetProperty("uuid").GetString() == video.Uuid)
            .Select(v => v.GetProperty("servedHttpBytes").GetInt64()).FirstOrDefault();
    }

    private static Task<JsonElement> StatsAsync(BrowserSession viewer) =>
        viewer.Page.EvaluateAsync<JsonElement>("() => window.peertubePlayer.p2pStats()");

    private static async Task<int> WaitForHubRequestAsync(BrowserSession viewer)
    {
        for (var i = 0; i < 100; i++)
        {
            var count = viewer.Requests.Count(r => r.Url.Contains("/hubs/swarm", StringComparison.Ordinal));
            if (count > 0)
            {
                return count;
            }

            await Task.Delay(100);
        }

        return 0;
    }

    /// <summary>The number of media segments of the rendition of that height, from segments-sha256.json.</summary>
    private static Task<int> SegmentCountAsync(BrowserSession viewer, string? height) =>
        viewer.Page.EvaluateAsync<int>("""
            async height => {
              const config = JSON.parse(document.querySelector('#pt-player').dataset.config);
              const table = await (await fetch(config.segmentsSha256Url)).json();
              const file = Object.keys(table).find(f => f.endsWith(`-${height}-fragmented.mp4`));
              return file ? Object.keys(table[file]).length : -1;
            }
            """, height);

    private sealed record MediaRequest(string File, long Start, long End)
    {
        public long Bytes => End - Start + 1;
    }

    /// <summary>The byte ranges the page asks of the fragmented mp4 files over HTTP.</summary>
    private static ConcurrentQueue<MediaRequest> RecordMediaRequests(BrowserSession viewer)
    {
        var requests = new ConcurrentQueue<MediaRequest>();
        viewer.Page.Request += (_, request) =>
        {
            var path = request.Url.Split('?', '#')[0];
            if (!path.EndsWith("-fragmented.mp4", StringComparison.Ordinal))
            {
                return;
            }

            var file = path[(path.LastIndexOf('/') + 1)..];
            if (request.Headers.TryGetValue("range", out var range) && RangePattern().Match(range) is { Success: true } m)
            {
                requests.Enqueue(new MediaRequest(file, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
            }
            else
            {
                // A whole-file request: counted as huge, so it fails the bytes check.
                requests.Enqueue(new MediaRequest(file, 0, long.MaxValue / 2));
            }
        };
        return requests;
    }

    [GeneratedRegex(@"^bytes=(\d+)-(\d+)$")]
    private static partial Regex RangePattern();

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }
    }
}

/// <summary>
/// The usual site (server + fixture Chromium), plus a Chromium of its own for these stories: WebRTC between two contexts on
/// loopback needs --allow-loopback-in-peer-connection, and host candidates without mDNS names.
/// </summary>
public sealed class P2PSite : IAsyncLifetime
{
    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--proxy-server=http://127.0.0.1:9",
        "--allow-loopback-in-peer-connection", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public PeerTubeSite Site { get; } = new();
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started");

    public async ValueTask InitializeAsync()
    {
        await Site.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Site.DisposeAsync();
    }
}
