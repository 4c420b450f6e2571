using System.Net.Http.Json;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// A playlist of two short videos plays them in a row: on its page (the second starts when the first ends), and in an
/// embed on another site, moved on by PeerTube's embed API (playNextVideo, getCurrentPosition).
/// </summary>
public sealed class PlaylistPlaybackTests(PeerTubeSite site) : BrowserStories(site.Chromium, site.BaseUrl), IClassFixture<PeerTubeSite>
{
    [Fact]
    public async Task A_playlist_plays_two_videos_in_a_row_in_its_page_and_in_an_embed_driven_by_the_embed_api()
    {
        var first = await site.PublishedVideoAsync("Playlist one", 320, 180, seconds: 2);
        var second = await site.PublishedVideoAsync("Playlist two", 320, 180, seconds: 2);
        var channelId = await site.Root.MyChannelIdAsync();
        var created = await site.Root.Http.PostAsJsonAsync("/api/v1/video-playlists", new { displayName = "Two in a row", privacy = 1, videoChannelId = channelId });
        await created.ShouldHaveStatusAsync(System.Net.HttpStatusCode.OK);
        var playlist = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("videoPlaylist");
        var uuid = playlist.GetProperty("uuid").GetString()!;
        var shortUuid = playlist.GetProperty("shortUUID").GetString()!;
        foreach (var video in new[] { first, second })
        {
            await (await site.Root.Http.PostAsJsonAsync($"/api/v1/video-playlists/{uuid}/videos", new { videoId = video.Id })).ShouldHaveStatusAsync(System.Net.HttpStatusCode.OK);
        }

        // On its page: the list beside the player; the first plays to its end and the second follows on its own.
        var visitor = await VisitAsync();
        var page = visitor.Page;
        await visitor.GotoAsync($"/w/p/{shortUuid}?muted=1");
        Assert.Equal(2, await page.Locator("#playlist-elements li").CountAsync());
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'", "the first item's player to be ready");
        await page.ClickAsync("#pt-player button[data-pt=play]");
        await visitor.WaitForAsync($"() => location.search.includes('playlistPosition=2') && document.querySelector('#video-title')?.textContent.includes('{second.Name}')",
            "the page to move on to the second video when the first ended", TimeSpan.FromSeconds(40));
        await visitor.WaitForAsync("() => (document.querySelector('#pt-player video')?.currentTime ?? 0) > 0.5",
            "the second video to play on its own", TimeSpan.FromSeconds(30));
        await visitor.ScreenshotAsync("playlist-page.png");

        // In an embed on another site: position 1, then playNextVideo() plays the second in place.
        await using var blog = await ThirdPartySite.StartAsync($"{site.BaseUrl}/video-playlists/embed/{uuid}?api=1&muted=1");
        var reader = await VisitAsync();
        await reader.GotoAsync(blog.BaseUrl);
        await reader.WaitForAsync("() => window.story.ready || window.story.readyError !== null", "the embed API to be ready", TimeSpan.FromSeconds(40));
        Assert.Equal(1, await Ask<int>(reader, "player.getCurrentPosition()"));
        await Ask<object?>(reader, "player.playNextVideo()");
        await reader.WaitForAsync("async () => (await player.getCurrentPosition()) === 2", "getCurrentPosition() to say 2 after playNextVideo()");
        var embed = reader.Page.Frames.Single(f => f.Url.Contains("/video-playlists/embed/", StringComparison.Ordinal));
        await embed.WaitForFunctionAsync($"() => window.peertubePlayer?.core.config.uuid === '{second.Uuid}' && document.querySelector('#pt-player video').currentTime > 0.5",
            null, new() { Timeout = 30_000, PollingInterval = 100 });
        await reader.WaitForAsync("() => story.changes.at(-1) === 'playing'", "the embed to report 'playing' for the second video");
        Assert.True(reader.Errors.Count(e => e.StartsWith("uncaught", StringComparison.Ordinal)) == 0, $"the pages logged errors.{reader.Diagnostics()}");
    }

    private static async Task<T> Ask<T>(BrowserSession session, string call) =>
        await session.Page.EvaluateAsync<T>($"() => Promise.race([{call}, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 10 s')), 10000))])");
}
