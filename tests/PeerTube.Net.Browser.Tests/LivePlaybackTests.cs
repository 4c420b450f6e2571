using System.Globalization;
using System.Text.Json;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Live;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Issue 19: a live published by ffmpeg over RTMP plays on its watch page in headless Chromium, shows LIVE, and a second
/// viewer gets its segments from the first over WebRTC (P2PSite's Chromium allows loopback peer connections), while the
/// first sees the viewer count go from 1 to 2.
/// </summary>
public sealed class LivePlaybackTests(P2PSite site) : IClassFixture<P2PSite>, IAsyncLifetime
{
    private readonly List<BrowserSession> _sessions = [];
    private readonly List<Publisher> _publishers = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_live_plays_on_its_watch_page_and_shows_live()
    {
        var watchPath = await StartLiveAsync("Live in the browser", seconds: 40);

        var viewer = await VisitAsync();
        await viewer.GotoAsync(watchPath);
        await viewer.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true]");
        await viewer.Page.ClickAsync("#pt-player button[data-pt=play]");
        var started = await viewer.Page.EvaluateAsync<double>("() => document.querySelector('#pt-player video').currentTime");
        await viewer.WaitForAsync($"() => document.querySelector('#pt-player video').currentTime > {(started + 4).ToString(CultureInfo.InvariantCulture)}",
            "the live to play 4 s", TimeSpan.FromSeconds(40));

        Assert.True(await viewer.Page.Locator("#pt-player [data-pt=live]").IsVisibleAsync(), $"no visible LIVE badge.{viewer.Diagnostics()}");
        Assert.Equal("LIVE", (await viewer.Page.InnerTextAsync("#pt-player [data-pt=live]")).Trim());

        // The default latency mode: 2.5 segments of 4 s behind the edge (player/live.ts); hls.js adds up to one segment
        // after stalls. hls.js' own default would be 3 target durations, 12 s.
        var edge = await viewer.Page.EvaluateAsync<JsonElement>("() => window.peertubePlayer.liveEdge()");
        Assert.True(edge.ValueKind == JsonValueKind.Object, $"the player does not know the live's edge.{viewer.Diagnostics()}");
        Assert.InRange(edge.GetProperty("target").GetDouble(), 9.9, 14.1);

        // Paused, a live viewer falls behind: "Back to live" shows, and takes them back to the edge, playing.
        Assert.False(await viewer.Page.Locator("#pt-player [data-pt=back-to-live]").IsVisibleAsync(), "'Back to live' shows while at the edge");
        await viewer.Page.ClickAsync("#pt-player button[data-pt=play]");
        await viewer.WaitForAsync("() => document.querySelector('#pt-player [data-pt=back-to-live]')?.checkVisibility() === true",
            "the 'Back to live' button of a paused live");
        await viewer.Page.ClickAsync("#pt-player [data-pt=back-to-live]");
        await viewer.WaitForAsync("() => !document.querySelector('#pt-player video').paused", "the live to play again after 'Back to live'");
        Assert.True(await viewer.Page.Locator(".pt-error:visible").CountAsync() == 0, "the player shows an error");
        Assert.True(viewer.Errors.Count == 0, $"the page logged errors.{viewer.Diagnostics()}");

        // The live ladder: the source's 180p and the profile's 144p, each its own media playlist, in the quality menu.
        await viewer.Page.ClickAsync("#pt-player button[data-pt=settings]");
        var qualities = await viewer.Page.Locator("#pt-player [data-pt-resolution]")
            .EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.ptResolution)");
        Assert.Equal(["180", "144", "auto"], qualities);
        await viewer.ScreenshotAsync("live-playing.png");
    }

    /// <summary>
    /// The live has one swarm: viewer B finds viewer A in it over WebRTC, and gets most of its segments from A (issue 19's
    /// "share > 0.5"), each verified against the live's segments-sha256.json, with nothing rejected. (Measured 0 % while a
    /// data channel opened before 'datachannel' left A never counting B as ready, so A never announced its segments.)
    /// </summary>
    [Fact]
    public async Task A_second_viewer_of_a_live_finds_the_first_as_a_peer()
    {
        var watchPath = await StartLiveAsync("Live over P2P", seconds: 60);

        var a = await VisitAsync();
        await a.GotoAsync(watchPath);
        await a.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true] for viewer A");
        await a.Page.ClickAsync("#pt-player button[data-pt=play]");
        await a.WaitForAsync("() => document.querySelector('#pt-player video').currentTime > 2", "viewer A's live to play", TimeSpan.FromSeconds(40));
        // The viewer count, pushed over /hubs/live ("N viewers" in the control bar): A alone watches, then A and B.
        await a.WaitForAsync(ViewersShown(1), "viewer A to see '1 viewer'");

        var b = await VisitAsync();
        await b.GotoAsync(watchPath);
        await b.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "#pt-player[data-pt-ready=true] for viewer B");
        await b.WaitForAsync("() => Number(document.querySelector('#pt-player').dataset.ptP2pPeers ?? 0) >= 1",
            "#pt-player[data-pt-p2p-peers] >= 1 (viewer B connected to viewer A)", TimeSpan.FromSeconds(30));
        await b.Page.ClickAsync("#pt-player button[data-pt=play]");
        var started = await b.Page.EvaluateAsync<double>("() => document.querySelector('#pt-player video').currentTime");
        await b.WaitForAsync($"() => document.querySelector('#pt-player video').currentTime > {(started + 20).ToString(CultureInfo.InvariantCulture)}",
            "viewer B's live to play 20 s", TimeSpan.FromSeconds(60));
        await a.WaitForAsync(ViewersShown(2), "viewer A to see '2 viewers' once B plays");

        var bStats = await StatsAsync(b);
        var aStats = await StatsAsync(a);
        var p2p = bStats.GetProperty("p2pBytes").GetInt64();
        var http = bStats.GetProperty("httpBytes").GetInt64();
        var ratio = p2p / (double)Math.Max(1, p2p + http);
        var report = $"B: {bStats}; A: {aStats}";
        TestContext.Current.TestOutputHelper?.WriteLine($"P2P ratio of live viewer B: {ratio:P1}. {report}");

        Assert.True(bStats.GetProperty("rejected").GetInt32() == 0, $"viewer B rejected segments from A (sha256 mismatch). {report}");
        Assert.True(bStats.GetProperty("peers").GetInt32() >= 1, $"viewer B has no peer left. {report}");
        Assert.True(ratio > 0.5, $"viewer B got {ratio:P1} of its live segments from peers, not most of them. {report}");
        Assert.True(b.Errors.Count == 0, $"viewer B's page logged errors.{b.Diagnostics()}");
        Assert.True(a.Errors.Count == 0, $"viewer A's page logged errors.{a.Diagnostics()}");
    }

    /// <summary>Creates a live as root, publishes the issue's ffmpeg test pattern to it, waits for it to be published; its watch path.</summary>
    private async Task<string> StartLiveAsync(string name, int seconds)
    {
        var root = site.Site.Root;
        var id = await root.CreateLiveAsync(name);
        var (port, key) = await root.RtmpOfAsync(id);
        _publishers.Add(new Publisher([
            "-hide_banner", "-nostdin", "-loglevel", "warning", "-re", "-f", "lavfi", "-i", "testsrc=size=320x180:rate=15", "-f", "lavfi", "-i", "sine",
            "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15",
            "-c:a", "aac", "-f", "flv", $"rtmp://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/live/{key}",
        ]));
        var live = await root.WaitForStateAsync(id, 1);
        return $"/w/{live.GetProperty("shortUUID").GetString()}";
    }

    private async Task<BrowserSession> VisitAsync()
    {
        var session = await BrowserSession.OpenAsync(site.Browser, site.Site.BaseUrl, _sessions.Count + 1);
        _sessions.Add(session);
        // Chromium hides host ICE candidates behind mDNS names (unresolvable here) unless the page may use the camera.
        await session.Context.GrantPermissionsAsync(["camera", "microphone"]);
        return session;
    }

    private static string ViewersShown(int count) =>
        $"() => document.querySelector('#pt-player [data-pt=viewers]')?.checkVisibility() === true && document.querySelector('#pt-player [data-pt=viewers]').textContent === '{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? "viewer" : "viewers")}'";

    private static Task<JsonElement> StatsAsync(BrowserSession viewer) =>
        viewer.Page.EvaluateAsync<JsonElement>("() => window.peertubePlayer.p2pStats()");

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        foreach (var publisher in _publishers)
        {
            publisher.Dispose();
        }
    }
}
