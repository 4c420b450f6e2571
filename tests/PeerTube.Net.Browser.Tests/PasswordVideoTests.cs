using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// A password-protected video (privacy 5) in the embed: the player asks for the password, says so when it is wrong, and
/// plays with the right one (the password is traded for a file token, as PeerTube's player does).
/// </summary>
public sealed class PasswordVideoTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    [Fact]
    public async Task The_embed_asks_for_the_password_refuses_a_wrong_one_and_plays_with_the_right_one()
    {
        var source = await TestMedia.VideoAsync(320, 180, seconds: 4);
        var created = await site.Root.UploadVideoAsync(source, "Friends only screening", new Dictionary<string, string>
        {
            ["privacy"] = "5", ["videoPasswords[0]"] = "popcorn",
        });
        var video = await site.Root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());

        var viewer = await VisitAsync();
        var page = await viewer.GotoAsync($"/videos/embed/{video.GetProperty("uuid").GetString()}");
        Assert.Equal(200, page.Status);
        Assert.DoesNotContain("Friends only screening", await page.TextAsync(), StringComparison.Ordinal);
        await viewer.WaitForAsync("() => document.querySelector('#pt-video-password') !== null", "the player to ask for the password");

        await viewer.Page.FillAsync("#pt-video-password", "butter");
        await viewer.Page.ClickAsync("#pt-video-password-submit");
        await viewer.WaitForAsync("() => !document.querySelector('#pt-video-password-error')?.hidden", "the player to say the password is wrong");
        Assert.Contains("Incorrect password", await viewer.Page.InnerTextAsync("#pt-video-password-error"));
        await viewer.ScreenshotAsync("password-video-wrong.png");

        await viewer.Page.FillAsync("#pt-video-password", "popcorn");
        await viewer.Page.ClickAsync("#pt-video-password-submit");
        await viewer.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "the player to start with the right password");
        await viewer.Page.ClickAsync("#pt-player button[data-pt=play]");
        await viewer.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 1",
            "the password-protected video to play (video.currentTime > 1)", TimeSpan.FromSeconds(40));
        Assert.True(await viewer.Page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await viewer.Page.Locator(".pt-error").AllInnerTextsAsync())}'");
        await viewer.ScreenshotAsync("password-video-playing.png");
    }
}
