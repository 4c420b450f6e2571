using PeerTube.Net.Browser.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>The browser the stories rely on: Playwright's driver runs here, drives the system Chromium, and it plays H.264.</summary>
public sealed class ChromiumTests(Chromium chromium) : BrowserStories(chromium, null), IClassFixture<Chromium>
{
    [Fact]
    public async Task Playwright_drives_the_system_chromium()
    {
        var visitor = await VisitAsync();
        var page = visitor.Page;
        await page.GotoAsync("data:text/html,<title>smoke</title><p id=greeting>Hello from a data URL</p>");

        Assert.Equal("smoke", await page.TitleAsync());
        Assert.Equal("Hello from a data URL", await page.InnerTextAsync("#greeting"));
        Assert.Equal(42, await page.EvaluateAsync<int>("() => 6 * 7"));
        Assert.Contains("Chrome/", await page.EvaluateAsync<string>("() => navigator.userAgent"), StringComparison.Ordinal);
        Assert.Empty(visitor.Errors);
    }

    [Fact]
    public async Task The_browser_can_play_what_the_server_makes()
    {
        // The ladder is H.264 + AAC in fragmented MP4, played through Media Source Extensions by hls.js.
        var visitor = await VisitAsync();
        await visitor.Page.GotoAsync("data:text/html,<p>codecs</p>");
        var supported = await visitor.Page.EvaluateAsync<bool>(
            "() => !!window.MediaSource && MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.64001e,mp4a.40.2\"')");

        Assert.True(supported, $"{Chromium.ExecutablePath} cannot play H.264/AAC through Media Source Extensions; " +
                               "the browser stories need a Chromium built with the proprietary codecs (Debian's `chromium` is).");
    }
}
