using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Live;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// A visitor of instance B watches a video of instance A, which B knows through a followed channel: B's watch page plays
/// it from A's files, as PeerTube does, and says where it comes from.
/// </summary>
public sealed class RemotePlaybackTests(FederatedSites sites) : BrowserStories(sites.Chromium, sites.B.BaseUrl), IClassFixture<FederatedSites>
{
    [Fact]
    public async Task A_visitor_of_the_follower_plays_the_origins_video_from_the_origins_files()
    {
        // A publishes a few seconds of test pattern; B lists it.
        var source = await TestMedia.VideoAsync(320, 180, seconds: 8);
        var uploaded = await sites.RootA.UploadVideoAsync(source, "Made on A", new Dictionary<string, string> { ["privacy"] = "1" });
        var uuid = uploaded.GetProperty("uuid").GetString()!;
        var published = await sites.RootA.WaitForTranscodingAsync(uuid);
        Assert.Equal(1, published.GetProperty("state").GetProperty("id").GetInt32());
        var onB = sites.B.Anonymous();
        var listed = (await FederationTestKit.EventuallyAsync(() => onB.ListedAsync(uuid), "the video to be listed on B", sites.A, sites.B))!.Value;
        Assert.False(listed.GetProperty("isLocal").GetBoolean());

        // The visitor opens B's watch page for it: the player reads A's master playlist.
        var visitor = await VisitAsync();
        var page = visitor.Page;
        var watchPath = $"/w/{listed.GetProperty("shortUUID").GetString()}";
        var opened = await visitor.GotoAsync(watchPath);
        Assert.True(opened.Status == 200, $"GET {watchPath} on B answered {opened.Status}, expected 200.{visitor.Diagnostics()}");
        Assert.Equal("Made on A", (await page.InnerTextAsync("h1#video-title")).Trim());
        Assert.Equal(sites.FollowedChannel, (await page.InnerTextAsync("#video-channel-handle")).Trim());
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] (hls.js parsed A's master playlist)");

        // They press play; it plays past 3 s with pictures decoded.
        await page.ClickAsync("#pt-player button[data-pt=play]");
        await visitor.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 3",
            "the video to play past 3 s (video.currentTime > 3) after clicking button[data-pt=play]", TimeSpan.FromSeconds(40));
        Assert.True(await page.EvaluateAsync<int>("() => document.querySelector('#pt-player video').videoWidth") > 0,
            "the video element plays but shows no picture (videoWidth = 0)");
        var frames = await page.EvaluateAsync<int>("() => document.querySelector('#pt-player video').getVideoPlaybackQuality().totalVideoFrames");
        Assert.True(frames > 0, $"no video frame was decoded (totalVideoFrames = {frames}).{visitor.Diagnostics()}");
        Assert.True(await page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await page.Locator(".pt-error").AllInnerTextsAsync())}'");
        Assert.True(visitor.Errors.Count == 0, $"B's watch page logged errors while playing A's video.{visitor.Diagnostics()}");
        var screenshot = await visitor.ScreenshotAsync("remote-watch-page.png");
        Assert.True(new FileInfo(screenshot).Length > 0, $"the screenshot {screenshot} is empty");

        // Every playlist and segment came from A, none from B.
        var media = visitor.Requests.Where(r => r.Path.Contains("/static/streaming-playlists/hls/", StringComparison.Ordinal)).ToList();
        var segments = media.Where(r => r.Path.EndsWith("-fragmented.mp4", StringComparison.Ordinal)).ToList();
        Assert.True(segments.Count > 0, $"the player fetched no fragmented mp4.{visitor.Diagnostics()}");
        Assert.True(media.All(r => r.Url.StartsWith(sites.A.BaseUrl + "/", StringComparison.Ordinal)),
            $"playlists and segments should come from A ({sites.A.BaseUrl}), B is {sites.B.BaseUrl}:\n  {string.Join("\n  ", media)}");
        Assert.Contains(media, r => r.Path.EndsWith(".m3u8", StringComparison.Ordinal));

        // Peers on B check what they swap against A's segments-sha256.json.
        var hashesUrl = await page.EvaluateAsync<string?>("() => JSON.parse(document.querySelector('#pt-player').dataset.config).segmentsSha256Url");
        Assert.Equal(published.GetProperty("streamingPlaylists")[0].GetProperty("segmentsSha256Url").GetString(), hashesUrl);

        // The poster is A's preview, served by B's lazy-static path.
        var poster = await page.EvaluateAsync<string>("() => document.querySelector('#pt-player video').poster");
        Assert.StartsWith($"{sites.B.BaseUrl}/lazy-static/previews/", poster);
        using var anyone = new HttpClient();
        var originalPreview = await anyone.GetByteArrayAsync(sites.A.BaseUrl + published.GetProperty("previewPath").GetString());
        Assert.Equal(originalPreview, await anyone.GetByteArrayAsync(poster));

        // The channel link leads to A's channel as B knows it, under its full handle.
        var channelLink = await page.GetAttributeAsync("#video-channel", "href");
        var channelPage = await visitor.GotoAsync(channelLink ?? "/");
        Assert.True(channelPage.Status == 200, $"the channel link {channelLink} answered {channelPage.Status}.{visitor.Diagnostics()}");
        Assert.Equal(sites.FollowedChannel, (await page.InnerTextAsync("p.handle")).Trim());
    }

    /// <summary>
    /// A live streamed to A plays on B's watch page as a live (LIVE badge), from A's live playlist and segments, as
    /// PeerTube plays a remote live.
    /// </summary>
    [Fact]
    public async Task A_visitor_of_the_follower_watches_the_origins_live_from_the_origin()
    {
        var id = await sites.RootA.CreateLiveAsync("Live on A");
        var (port, key) = await sites.RootA.RtmpOfAsync(id);
        using var publisher = LiveTestKit.Publish(port, key, seconds: 30);
        var uuid = (await sites.RootA.WaitForStateAsync(id, 1)).GetProperty("uuid").GetString()!;
        var onB = sites.B.Anonymous();
        var live = (await FederationTestKit.EventuallyAsync(async () =>
        {
            var video = await onB.GetVideoAsync(uuid);
            return video.GetProperty("state").GetProperty("id").GetInt32() == 1 ? video : (System.Text.Json.JsonElement?)null;
        }, "the live to be published on B", sites.A, sites.B))!.Value;

        var visitor = await VisitAsync();
        var page = visitor.Page;
        var opened = await visitor.GotoAsync($"/w/{live.GetProperty("shortUUID").GetString()}");
        Assert.True(opened.Status == 200, $"B's watch page answered {opened.Status}.{visitor.Diagnostics()}");
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] (hls.js parsed A's live playlist)");
        await page.ClickAsync("#pt-player button[data-pt=play]");
        var started = await page.EvaluateAsync<double>("() => document.querySelector('#pt-player video').currentTime");
        await visitor.WaitForAsync($"() => document.querySelector('#pt-player video').currentTime > {(started + 3).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            "the remote live to play 3 s", TimeSpan.FromSeconds(40));
        Assert.True(await page.Locator("#pt-player [data-pt=live]").IsVisibleAsync(), $"no visible LIVE badge.{visitor.Diagnostics()}");
        Assert.True(await page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await page.Locator(".pt-error").AllInnerTextsAsync())}'");

        var media = visitor.Requests.Where(r => r.Path.Contains("/static/streaming-playlists/hls/", StringComparison.Ordinal)).ToList();
        Assert.Contains(media, r => r.Path.EndsWith(".mp4", StringComparison.Ordinal));
        Assert.True(media.All(r => r.Url.StartsWith(sites.A.BaseUrl + "/", StringComparison.Ordinal)),
            $"the live's playlists and segments should come from A ({sites.A.BaseUrl}):\n  {string.Join("\n  ", media)}");
        await visitor.ScreenshotAsync("remote-live-playing.png");
    }

    /// <summary>
    /// A PeerTube instance with HLS turned off sends a video with web videos only (plain MP4 files). B's watch page plays
    /// its 720p file from the origin, in the browser's own player.
    /// </summary>
    [Fact]
    public async Task A_remote_video_with_web_videos_only_plays_its_mp4_file_from_the_origin()
    {
        const string uuid = "5c6fd1a2-8f3e-4b8a-9d6e-3a1f0b7c2e44";
        await using var peertube = new FakeRemote();
        peertube.Serve("/accounts/chocobozzz", FederationTestKit.Fixture("peertube/person.json"));
        peertube.Serve("/video-channels/chocobozzz_channel", FederationTestKit.Fixture("peertube/group.json"));
        var mp4 = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(320, 180, seconds: 4));
        peertube.ServeFile($"/static/web-videos/{uuid}-720.mp4", mp4, "video/mp4");
        peertube.ServeFile($"/static/web-videos/{uuid}-360.mp4", mp4, "video/mp4");
        // B takes videos only from instances and channels it follows.
        await peertube.FollowedByAsync(sites.B);
        var sent = await peertube.PostAsync($"{sites.B.BaseUrl}/inbox", FederationTestKit.Fixture("peertube/create-video-web-videos.json"),
            $"{peertube.BaseUrl}/accounts/chocobozzz#main-key");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, sent.StatusCode);
        var listed = (await FederationTestKit.EventuallyAsync(() => sites.B.Anonymous().ListedAsync(uuid), "the web-video-only video to be listed on B", sites.B))!.Value;

        var visitor = await VisitAsync();
        var page = visitor.Page;
        var opened = await visitor.GotoAsync($"/w/{listed.GetProperty("shortUUID").GetString()}");
        Assert.True(opened.Status == 200, $"B's watch page answered {opened.Status}.{visitor.Diagnostics()}");
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] (the MP4's metadata loaded)");
        await page.ClickAsync("#pt-player button[data-pt=play]");
        await visitor.WaitForAsync("() => { const v = document.querySelector('#pt-player video'); return !!v && (v.ended || v.currentTime >= v.duration - 0.3); }",
            "the MP4 to play to its end", TimeSpan.FromSeconds(40));
        var frames = await page.EvaluateAsync<int>("() => document.querySelector('#pt-player video').getVideoPlaybackQuality().totalVideoFrames");
        Assert.True(frames > 0, $"no video frame was decoded.{visitor.Diagnostics()}");
        Assert.True(await page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await page.Locator(".pt-error").AllInnerTextsAsync())}'.{visitor.Diagnostics()}");
        Assert.Contains(visitor.Requests, r => r.Url == $"{peertube.BaseUrl}/static/web-videos/{uuid}-720.mp4");
        Assert.DoesNotContain(visitor.Requests, r => r.Path.EndsWith(".m3u8", StringComparison.Ordinal));
        Assert.Equal("720", await page.GetAttributeAsync("#pt-player", "data-pt-level"));

        // The quality menu lists the origin's files; picking 360p plays that file, from where the viewer was.
        await page.EvaluateAsync("() => { const v = document.querySelector('#pt-player video'); v.currentTime = 1; return v.play(); }");
        await page.ClickAsync("#pt-player button[data-pt=settings]");
        await page.Locator(".pt-settings").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Visible, Timeout = 10_000 });
        Assert.Equal(1, await page.Locator("#pt-player [data-pt-resolution=\"1080\"]").CountAsync());
        await page.ClickAsync("#pt-player [data-pt-resolution=\"360\"]");
        await visitor.WaitForAsync("() => document.querySelector('#pt-player').dataset.ptLevel === '360'", "#pt-player[data-pt-level] to become 360");
        await visitor.WaitForAsync($"() => document.querySelector('#pt-player video').currentSrc.endsWith('-360.mp4') && document.querySelector('#pt-player video').currentTime > 1",
            "the 360p file to play on from about 1 s", TimeSpan.FromSeconds(30));
        Assert.Contains(visitor.Requests, r => r.Url == $"{peertube.BaseUrl}/static/web-videos/{uuid}-360.mp4");
    }
}
