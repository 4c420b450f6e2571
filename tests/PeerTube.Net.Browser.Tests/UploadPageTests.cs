using System.Text.Json;
using System.Text.RegularExpressions;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>Story 1: root uploads a video through the upload page and watches its transcoding arrive over SignalR.</summary>
public sealed partial class UploadPageTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    [Fact]
    public async Task Root_uploads_a_video_through_the_page_and_sees_it_published_live()
    {
        var visitor = await VisitAsync();
        var page = visitor.Page;
        var file = await TestMedia.VideoAsync(320, 180, seconds: 5);

        // Root signs in through the login page and opens the upload page.
        await visitor.SignInAsync("root", ServerApplication.RootPassword);
        var opened = await visitor.GotoAsync("/videos/upload");
        Assert.True(opened.Status == 200, $"GET /videos/upload as root answered {opened.Status}, expected 200.{visitor.Diagnostics()}");

        // They pick the file and describe it.
        await page.SetInputFilesAsync("#upload-file", file);
        await page.FillAsync("#upload-name", "Uploaded through the page");
        await page.FillAsync("textarea#upload-description", "A *test pattern*, uploaded by the browser story.");
        await page.FillAsync("#upload-tags", "browser, story");
        await page.SelectOptionAsync("select#upload-privacy", "1");

        // Before submitting, the test starts writing down every change of the two progress bars, and of the transcoding
        // state in particular (through a binding, so it lands on the same clock as the requests the page makes).
        var states = new List<(TimeSpan At, string State)>();
        await page.ExposeFunctionAsync("__storyTranscodingState", (string state) =>
        {
            lock (states)
            {
                states.Add((visitor.Now, state));
            }
        });
        await page.EvaluateAsync("""
            () => {
              window.story = { upload: [], transcoding: [] };
              const watch = (selector, list, onState) => {
                const bar = document.querySelector(selector);
                if (!bar) throw new Error('no ' + selector + ' on the upload page');
                let lastState = bar.dataset.state ?? null;
                new MutationObserver(() => {
                  list.push({ value: bar.hasAttribute('value') ? bar.value : null, state: bar.dataset.state ?? null });
                  const state = bar.dataset.state ?? null;
                  if (onState && state !== lastState) { lastState = state; onState(state); }
                }).observe(bar, { attributes: true, attributeFilter: ['value', 'data-state', 'max'] });
              };
              watch('progress#upload-progress', story.upload, null);
              watch('progress#transcoding-progress', story.transcoding, s => window.__storyTranscodingState(String(s)));
            }
            """);

        var submittedAt = visitor.Now;
        await page.ClickAsync("button#upload-submit");

        // The upload bar fills up.
        await visitor.WaitForAsync("() => document.querySelector('progress#upload-progress').value >= 100",
            "progress#upload-progress to reach 100", TimeSpan.FromSeconds(60));

        // The transcoding bar follows the job until the video is published.
        await visitor.WaitForAsync(
            "() => ['published', 'failed'].includes(document.querySelector('progress#transcoding-progress').dataset.state)",
            "progress#transcoding-progress[data-state] to become 'published'", TimeSpan.FromMinutes(3));
        var transcoding = await page.EvaluateAsync<JsonElement>("() => window.story.transcoding");
        var upload = await page.EvaluateAsync<JsonElement>("() => window.story.upload");
        var finalState = await page.GetAttributeAsync("progress#transcoding-progress", "data-state");
        TestContext.Current.TestOutputHelper?.WriteLine($"upload bar: {upload}\ntranscoding bar: {transcoding}");
        Assert.True(finalState == "published",
            $"the transcoding ended in data-state='{finalState}' (#upload-error: '{string.Join(" ", await page.Locator("#upload-error").AllInnerTextsAsync()).Trim()}').{visitor.Diagnostics()}");

        Assert.True(upload.EnumerateArray().Any(u => u.GetProperty("value").ValueKind == JsonValueKind.Number && u.GetProperty("value").GetDouble() >= 100),
            $"progress#upload-progress never reported 100; changes seen: {upload}");
        Assert.True(transcoding.GetArrayLength() >= 1,
            $"progress#transcoding-progress never changed after submitting: no update arrived.{visitor.Diagnostics()}");

        // The updates came from the SignalR hub, not from polling the video.
        var requests = visitor.Requests.Where(r => r.At >= submittedAt).ToList();
        Assert.True(requests.Any(r => r.Path.StartsWith("/hubs/videos", StringComparison.Ordinal)),
            $"the upload page never connected to /hubs/videos after submitting. Requests: {Lines(requests)}");
        TimeSpan publishedAt;
        lock (states)
        {
            Assert.True(states.Any(s => s.State == "published"), $"the binding never saw data-state='published'; states: {string.Join(", ", states)}");
            publishedAt = states.First(s => s.State == "published").At;
        }

        var polls = requests.Where(r => r.At < publishedAt && r.Method == "GET" && VideoResource().IsMatch(r.Path)).ToList();
        Assert.True(polls.Count == 0,
            "while transcoding, the page asked the API for the video instead of listening to /hubs/videos " +
            $"(the contract: transcoding progress comes from SignalR). Polls: {Lines(polls)}\nTranscoding bar changes: {transcoding}");

        // The watch link appears, pointing at the new video's short URL.
        await page.Locator("a#watch-link").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Visible, Timeout = 10_000 });
        var href = await page.GetAttributeAsync("a#watch-link", "href") ?? "";
        var match = WatchLink().Match(href);
        Assert.True(match.Success, $"a#watch-link should point to /w/{{shortUUID}}, but its href is '{href}'");

        var video = await site.VideoAsync(match.Groups["short"].Value);
        Assert.Equal("Uploaded through the page", video.GetProperty("name").GetString());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal(["browser", "story"], video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).Order());

        await visitor.ScreenshotAsync("upload-page.png");
    }

    private static string Lines(IEnumerable<RecordedRequest> requests) => "\n  " + string.Join("\n  ", requests);

    /// <summary>GET /api/v1/videos/{id|uuid|shortUUID}: the one resource a poller would ask for.</summary>
    [GeneratedRegex("^/api/v1/videos/(?!categories$|licences$|languages$|privacies$)[^/]+$")]
    private static partial Regex VideoResource();

    [GeneratedRegex("^(https?://[^/]+)?/w/(?<short>[A-Za-z0-9]+)$")]
    private static partial Regex WatchLink();
}
