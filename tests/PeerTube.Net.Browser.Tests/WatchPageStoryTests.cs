using System.Net;
using System.Net.Http.Json;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Issue 18's watch page story: a viewer likes, subscribes, comments and replies on the page, shares a link; once the
/// creator asks for approval (policy 3) the viewer's next comment is held, the creator approves it on the page, and
/// everyone then sees it.
/// </summary>
public sealed class WatchPageStoryTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    [Fact]
    public async Task A_viewer_talks_on_the_watch_page_and_the_creator_approves_a_held_comment()
    {
        var video = await site.PublishedVideoAsync("Talk show", 320, 180, seconds: 2);
        using var viewerApi = await site.Root.CreateUserAsync(site.Server, "viewer");

        var viewer = await VisitAsync();
        await viewer.SignInAsync("viewer", "viewer-password");
        await viewer.GotoAsync(video.WatchPath);

        // Like, then subscribe: both buttons say what they are now.
        await viewer.Page.ClickAsync("#like-button");
        await viewer.WaitForAsync("() => document.querySelector('#like-button').getAttribute('aria-pressed') === 'true'", "the like button to be pressed");
        Assert.Equal("1", (await viewer.Page.InnerTextAsync("#like-count")).Trim());
        await viewer.Page.ClickAsync("#subscribe-button");
        await viewer.WaitForAsync("() => document.querySelector('#subscribe-button').textContent.trim() === 'Subscribed'", "the subscribe button to say Subscribed");

        // Share: the dialog takes the focus, and gives it back to its button on Escape.
        await viewer.Page.ClickAsync("#share-button");
        Assert.EndsWith(video.WatchPath, await viewer.Page.InputValueAsync("#share-link"), StringComparison.Ordinal);
        Assert.Contains($"/videos/embed/{video.Uuid}", await viewer.Page.InputValueAsync("#share-embed"), StringComparison.Ordinal);
        await viewer.Page.Keyboard.PressAsync("Escape");
        await viewer.WaitForAsync("() => document.activeElement?.id === 'share-button'", "the focus to return to the share button");

        // Report: a reason, a few words, a moment of the video; the moderators get it.
        await viewer.Page.ClickAsync("#report-button");
        await viewer.Page.CheckAsync("#report-dialog input[value=spamOrMisleading]");
        await viewer.Page.FillAsync("#report-text", "Misleading title");
        await viewer.Page.FillAsync("#report-start", "1");
        await viewer.Page.ClickAsync("#report-submit");
        await viewer.WaitForAsync("() => !document.querySelector('#report-done').hidden", "the report to be sent");
        await viewer.Page.ClickAsync("#report-cancel");
        await viewer.WaitForAsync("() => document.activeElement?.id === 'report-button'", "the focus to return to the report button");
        var abuses = await site.Root.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/abuses");
        Assert.Contains(abuses.GetProperty("data").EnumerateArray(), a => a.GetProperty("reason").GetString() == "Misleading title");

        // A comment, then a reply to it.
        await viewer.Page.FillAsync("#comment-text", "First **thoughts**");
        await viewer.Page.ClickAsync("#comment-submit");
        await viewer.WaitForAsync("() => [...document.querySelectorAll('.comment-text strong')].some(e => e.textContent === 'thoughts')", "the comment, as Markdown");
        await viewer.Page.ClickAsync(".comment .comment-reply");
        await viewer.Page.FillAsync(".reply-form:not([hidden]) textarea", "And a follow-up");
        await viewer.Page.ClickAsync(".reply-form:not([hidden]) button[type=submit]");
        await viewer.WaitForAsync("() => document.querySelector('.comment-replies .comment-text')?.textContent.includes('And a follow-up')", "the reply under the comment");

        // The creator now reviews comments: the viewer's next one waits for approval, and nobody else sees it.
        await (await site.Root.Http.PutAsJsonAsync($"/api/v1/videos/{video.Id}", new { commentsPolicy = 3 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await viewer.GotoAsync(video.WatchPath);
        await viewer.Page.FillAsync("#comment-text", "Please let this through");
        await viewer.Page.ClickAsync("#comment-submit");
        await viewer.WaitForAsync("() => document.querySelector('.comment-held')?.textContent.includes('Please let this through')", "the held comment, flagged");
        var anonymous = await VisitAsync();
        await anonymous.GotoAsync(video.WatchPath);
        Assert.DoesNotContain("Please let this through", await anonymous.Page.InnerTextAsync("#comments"), StringComparison.Ordinal);

        var creator = await VisitAsync();
        await creator.SignInAsync("root", ServerApplication.RootPassword);
        await creator.GotoAsync(video.WatchPath);
        await creator.Page.ClickAsync(".comment-held .comment-approve");
        await creator.WaitForAsync("() => document.querySelector('.comment-held') === null && document.querySelector('#comments').textContent.includes('Please let this through')",
            "the approved comment, no longer held");

        await viewer.GotoAsync(video.WatchPath);
        Assert.Equal(0, await viewer.Page.Locator(".comment-held").CountAsync());
        await anonymous.GotoAsync(video.WatchPath);
        Assert.Contains("Please let this through", await anonymous.Page.InnerTextAsync("#comments"), StringComparison.Ordinal);
        await anonymous.ScreenshotAsync("watch-page-with-comments.png");

        // The subscription shows in the viewer's feed, reached from the menu.
        await viewer.Page.ClickAsync("#menu-subscriptions");
        await viewer.Page.WaitForURLAsync("**/videos/subscriptions");
        Assert.Contains(video.Name, await viewer.Page.InnerTextAsync(".video-grid"), StringComparison.Ordinal);
        await viewer.ScreenshotAsync("subscriptions-page.png");
        Assert.True(viewer.Errors.Count == 0, $"the watch page logged errors.{viewer.Diagnostics()}");
    }
}
