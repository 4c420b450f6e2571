using Microsoft.Playwright;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>Story 4: a private video stays private in the browser, and its owner still watches it.</summary>
public sealed class PrivateVideoTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    private const int Private = 3;
    [Fact]
    public async Task A_stranger_cannot_see_a_private_video_but_its_owner_watches_it()
    {
        var video = await site.PublishedVideoAsync("Root's private diary", 320, 180, seconds: 6, privacy: Private);
        Assert.Contains("/static/streaming-playlists/hls/private/", video.MasterPlaylistUrl, StringComparison.Ordinal);

        // A stranger (no session) opening the watch page is asked to sign in and sees nothing of the video.
        var stranger = await VisitAsync();
        foreach (var path in new[] { video.WatchPath, $"/videos/watch/{video.Uuid}" })
        {
            var response = await stranger.GotoAsync(path);
            var html = await response.TextAsync();
            Assert.True(response.Status == 401,
                $"an anonymous GET {path} of a private video answered {response.Status}; the contract says 401 with the sign-in link");
            Assert.DoesNotContain(video.Name, html, StringComparison.Ordinal);
            Assert.True(await stranger.Page.Locator("#pt-player").CountAsync() == 0, $"the 401 page for {path} still mounts the player");
            Assert.True(await stranger.Page.Locator("a[href^='/login']").CountAsync() > 0, $"the 401 page for {path} has no link to /login");
        }

        // Nor can they fetch its media directly.
        foreach (var url in new[] { video.MasterPlaylistUrl }.Concat(video.Renditions.Select(r => r.FileUrl)))
        {
            var response = await stranger.Context.APIRequest.GetAsync(url, new APIRequestContextOptions { MaxRedirects = 0 });
            Assert.True(response.Status is 401 or 403, $"an anonymous GET {url} answered {response.Status}, expected 401/403");
        }

        // The owner signs in and watches it.
        var owner = await VisitAsync();
        await owner.SignInAsync("root", ServerApplication.RootPassword);
        var opened = await owner.GotoAsync(video.WatchPath);
        Assert.True(opened.Status == 200, $"the owner's GET {video.WatchPath} answered {opened.Status}, expected 200.{owner.Diagnostics()}");
        Assert.Equal(video.Name, (await owner.Page.InnerTextAsync("h1#video-title")).Trim());
        await owner.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] for the owner's private video");
        await owner.Page.ClickAsync("#pt-player button[data-pt=play]");
        await owner.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 1.5",
            "the owner's private video to play (video.currentTime > 1.5)", TimeSpan.FromSeconds(40));
        Assert.True(await owner.Page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await owner.Page.Locator(".pt-error").AllInnerTextsAsync())}'");
        await owner.ScreenshotAsync("private-video-owner.png");
    }
}
