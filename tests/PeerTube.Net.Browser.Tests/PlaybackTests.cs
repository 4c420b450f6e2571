using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using PeerTube.Net.Browser.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Stories 2, 3 and 5: an anonymous visitor watches a published video on its page and switches rendition; another site embeds
/// it and drives it with PeerTube's embed API; screenshots of the watch and home pages are kept. One server, one video.
/// </summary>
public sealed class PlaybackTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    /// <summary>The reader of the blog page, whom the embed API helpers below act for.</summary>
    private BrowserSession? _blogReader;

    /// <summary>640x360 gives a ladder of 360p, 240p and 144p; 8 s leaves room to play, go back and switch.</summary>
    private Task<PublishedVideo> VideoAsync() => site.PublishedVideoAsync("Test pattern", 640, 360, seconds: 8);

    [Fact]
    public async Task A_visitor_watches_a_video_and_switches_its_resolution()
    {
        var video = await VideoAsync();
        Assert.True(video.Renditions.Count >= 2, $"the 360p source should give at least two renditions, got {string.Join(", ", video.Renditions)}");
        var visitor = await VisitAsync();
        var page = visitor.Page;

        // The visitor opens the watch page: title, then a player that has read the master playlist.
        var opened = await visitor.GotoAsync(video.WatchPath);
        Assert.True(opened.Status == 200, $"GET {video.WatchPath} answered {opened.Status}, expected 200.{visitor.Diagnostics()}");
        Assert.Equal(video.Name, (await page.InnerTextAsync("h1#video-title")).Trim());
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] (hls.js parsed the master playlist)");

        // They press play, and the video plays on past 3 s.
        await page.ClickAsync("#pt-player button[data-pt=play]");
        await visitor.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 3",
            "the video to play past 3 s (video.currentTime > 3) after clicking button[data-pt=play]", TimeSpan.FromSeconds(40));
        Assert.True(await page.EvaluateAsync<int>("() => document.querySelector('#pt-player video').videoWidth") > 0,
            "the video element plays but shows no picture (videoWidth = 0)");
        Assert.True(await page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await page.Locator(".pt-error").AllInnerTextsAsync())}'");
        Assert.True(visitor.Errors.Count == 0, $"the watch page logged errors while playing.{visitor.Diagnostics()}");
        await visitor.ScreenshotAsync("watch-page.png");

        // They go back to the start, open the settings and pick another resolution than the one playing.
        await page.EvaluateAsync("() => { const v = document.querySelector('#pt-player video'); v.currentTime = 0; return v.play(); }");
        var playing = await page.GetAttributeAsync("#pt-player", "data-pt-level");
        var other = video.Renditions.First(r => r.Height.ToString(CultureInfo.InvariantCulture) != playing);
        await page.ClickAsync("#pt-player button[data-pt=settings]");
        await page.Locator(".pt-settings").WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 10_000 });
        var pickedAt = visitor.Now;
        await page.ClickAsync($"#pt-player [data-pt-resolution=\"{other.Height}\"]");

        await visitor.WaitForAsync($"() => document.querySelector('#pt-player').dataset.ptLevel === '{other.Height}'",
            $"#pt-player[data-pt-level] to become {other.Height} after clicking [data-pt-resolution=\"{other.Height}\"] (it was '{playing}')");
        TestContext.Current.TestOutputHelper?.WriteLine($"switched from {playing}p to {other.Height}p");
        var fetched = visitor.Requests.Where(r => r.At >= pickedAt && r.Path.EndsWith($"-{other.Height}-fragmented.mp4", StringComparison.Ordinal)).ToList();
        Assert.True(fetched.Count > 0,
            $"after picking {other.Height}p the player did not fetch that rendition's fragmented mp4 ({other.FileUrl}). " +
            $"Requests since: \n  {string.Join("\n  ", visitor.Requests.Where(r => r.At >= pickedAt))}");
        Assert.True(visitor.Errors.Count == 0, $"the watch page logged errors while switching resolution.{visitor.Diagnostics()}");

        // Story 5: the home page lists the video; both pages are kept as screenshots.
        await visitor.GotoAsync("/");
        await page.Locator($".video-card a.video-card-link[href$='/w/{video.ShortUuid}']").First
            .WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 10_000 });
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('img.video-thumbnail')].every(i => i.complete)");
        await visitor.ScreenshotAsync("home-page.png");
        foreach (var screenshot in new[] { "watch-page.png", "home-page.png" })
        {
            var path = Path.Combine(Artefacts.Directory, screenshot);
            Assert.True(File.Exists(path) && new FileInfo(path).Length > 0, $"the screenshot {path} should exist and not be empty");
        }
    }

    [Fact]
    public async Task Another_site_drives_the_embed_with_peertubes_embed_api()
    {
        var video = await VideoAsync();
        await using var blog = await ThirdPartySite.StartAsync($"{site.BaseUrl}/videos/embed/{video.Uuid}?api=1&autoplay=1&muted=1");
        var visitor = _blogReader = await VisitAsync();
        var page = visitor.Page;

        // The blog's page loads; the embed API becomes ready across origins.
        await visitor.GotoAsync(blog.BaseUrl);
        await visitor.WaitForAsync("() => window.story.ready || window.story.readyError !== null",
            $"PeerTubePlayer.ready from {blog.BaseUrl} to the embed at {site.BaseUrl}", TimeSpan.FromSeconds(40));
        Assert.True(await page.EvaluateAsync<bool>("() => window.story.ready"),
            $"PeerTubePlayer.ready failed: {await page.EvaluateAsync<string>("() => window.story.readyError")}.{visitor.Diagnostics()}");

        // play: the player says it is playing, and reports its status over and over while it plays.
        await Call("player.play()");
        await visitor.WaitForAsync("() => story.changes.includes('playing')", "a playbackStatusChange 'playing' after play()");
        var before = await Count("story.updates.length");
        await visitor.WaitForAsync($"() => story.updates.length >= {before + 3}",
            "three more playbackStatusUpdate events while playing (the contract: one every 0.5 s)", TimeSpan.FromSeconds(10));
        await visitor.WaitForAsync("() => story.updates.some(u => u.position > 0.5 && u.playbackState === 'playing')",
            "a playbackStatusUpdate with position > 0.5 and playbackState 'playing'");

        // pause: a 'paused' change, and the position stays put.
        await Call("player.pause()");
        await visitor.WaitForAsync("() => story.changes.at(-1) === 'paused'", "a playbackStatusChange 'paused' after pause()");
        var pausedAt = await Ask<double>("player.getCurrentTime()");
        before = await Count("story.updates.length");
        await visitor.WaitForAsync($"() => story.updates.length >= {before + 2}", "playbackStatusUpdate events to go on while paused",
            TimeSpan.FromSeconds(10));
        var stillAt = await Ask<double>("player.getCurrentTime()");
        Assert.True(Math.Abs(stillAt - pausedAt) < 0.1, $"the position kept moving after pause(): {pausedAt} then {stillAt}");
        Assert.Equal("paused", await page.EvaluateAsync<string>("() => story.updates.at(-1).playbackState"));

        // seek(2): the next status update says 2.
        await Call("player.seek(2)");
        before = await Count("story.updates.length");
        await visitor.WaitForAsync($"() => story.updates.length > {before}", "a playbackStatusUpdate after seek(2)");
        var position = await page.EvaluateAsync<double>($"() => story.updates[{before}].position");
        Assert.True(Math.Abs(position - 2) < 0.5, $"after seek(2) the next playbackStatusUpdate says position {position}");

        // Resolutions: the ladder is there, and another one can be chosen.
        var resolutions = await Ask<JsonElement>("player.getResolutions()");
        var levels = resolutions.EnumerateArray().Where(r => r.GetProperty("id").GetInt32() != -1).ToList();
        Assert.True(levels.Count >= 2, $"getResolutions() should list the {video.Renditions.Count} renditions, got {resolutions}");
        foreach (var resolution in resolutions.EnumerateArray())
        {
            foreach (var property in new[] { "id", "label", "height", "active" })
            {
                Assert.True(resolution.TryGetProperty(property, out _), $"a resolution from getResolutions() lacks '{property}': {resolution}");
            }
        }

        var target = levels.FirstOrDefault(r => !r.GetProperty("active").GetBoolean());
        target = target.ValueKind == JsonValueKind.Undefined ? levels[^1] : target;
        var targetId = target.GetProperty("id").GetInt32();
        var resolutionEventsBefore = await Count("story.resolutionUpdates.length");
        await Call($"player.setResolution({targetId})");
        await Call("player.play()");
        var switched = await visitor.PollAsync<bool>(
            $"async () => story.resolutionUpdates.slice({resolutionEventsBefore}).some(u => !Array.isArray(u) || u.some(r => r.id === {targetId} && r.active)) || (await Promise.race([player.getResolutions(), new Promise(r => setTimeout(() => r([]), 2000))])).some(r => r.id === {targetId} && r.active)",
            done => done, TimeSpan.FromSeconds(20));
        Assert.True(switched,
            $"setResolution({targetId}) ({target}) gave neither a resolutionUpdate event showing it active nor an active resolution {targetId} in getResolutions(): " +
            $"{await Ask<JsonElement>("player.getResolutions()")}.{visitor.Diagnostics()}");

        // Playback rates.
        var rates = await Ask<double[]>("player.getPlaybackRates()");
        Assert.Contains(1.5, rates);
        Assert.Contains(1.0, rates);
        await Call("player.setPlaybackRate(1.5)");
        Assert.Equal(1.5, await Ask<double>("player.getPlaybackRate()"));

        // Volume.
        var volume = await Ask<double>("player.getVolume()");
        Assert.InRange(volume, 0, 1);
        await Call("player.setVolume(0.5)");
        Assert.Equal(0.5, await Ask<double>("player.getVolume()"), 3);

        Assert.True(visitor.Errors.Count(e => e.StartsWith("uncaught", StringComparison.Ordinal)) == 0,
            $"the blog page or the embed threw uncaught errors.{visitor.Diagnostics()}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"resolutions: {await Ask<JsonElement>("player.getResolutions()")}\nrates: {string.Join(", ", rates)}\n" +
            $"changes: {await page.EvaluateAsync<JsonElement>("() => story.changes")}\n" +
            $"resolutionUpdate events: {await page.EvaluateAsync<JsonElement>("() => story.resolutionUpdates")}\n" +
            $"status updates: {await Count("story.updates.length")}, last {await page.EvaluateAsync<JsonElement>("() => story.updates.at(-1)")}");
        await visitor.ScreenshotAsync("embed-on-another-site.png");
    }

    /// <summary>Calls the embed API from the blog's page, failing with what the page did if it rejects or never answers.</summary>
    private async Task Call(string call) => await Ask<JsonElement?>(call);

    private async Task<T> Ask<T>(string call)
    {
        try
        {
            return await _blogReader!.Page.EvaluateAsync<T>(
                $"() => Promise.race([{call}, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10000))])");
        }
        catch (PlaywrightException e)
        {
            Assert.Fail($"{call} failed: {e.Message}.{_blogReader!.Diagnostics()}");
            throw;
        }
    }

    private Task<int> Count(string expression) => _blogReader!.Page.EvaluateAsync<int>($"() => {expression}");
}
