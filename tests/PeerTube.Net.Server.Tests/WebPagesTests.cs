using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Videos;
using PeerTube.Net.Server.Features.Web;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>One server with a public and a private video, transcoded once for all the page stories.</summary>
public sealed class WebPagesFixture : IAsyncLifetime
{
    public const string Description = "Hello **bold** world <script>alert('x')</script> [a link](https://example.org/) [bad](javascript:alert(1))";

    public ServerApplication Server { get; private set; } = null!;
    public PeerTubeClient Root { get; private set; } = null!;
    public PeerTubeClient Owner { get; private set; } = null!;
    public PeerTubeClient Stranger { get; private set; } = null!;
    public JsonElement PublicVideo { get; private set; }
    public JsonElement PrivateVideo { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        Root = await PeerTubeClient.LoginAsRootAsync(Server);
        Owner = await Root.CreateUserAndLoginAsync(Server, "pageowner");
        Stranger = await Root.CreateUserAndLoginAsync(Server, "pagestranger");
        var media = await TestMedia.VideoAsync(width: 320, height: 180, seconds: 2);
        var uploadedPublic = await Owner.UploadVideoAsync(media, "A public <page> video", new Dictionary<string, string>
        {
            ["description"] = Description, ["tags[0]"] = "nature", ["tags[1]"] = "tests", ["privacy"] = "1",
        });
        var uploadedPrivate = await Owner.UploadVideoAsync(media, "Secret private video", new Dictionary<string, string> { ["privacy"] = "3" });
        PublicVideo = await Owner.WaitForTranscodingAsync(uploadedPublic.GetProperty("uuid").GetString()!);
        PrivateVideo = await Owner.WaitForTranscodingAsync(uploadedPrivate.GetProperty("uuid").GetString()!);
        Assert.Equal(1, PublicVideo.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal(1, PrivateVideo.GetProperty("state").GetProperty("id").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        Root.Dispose();
        Owner.Dispose();
        Stranger.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The server-rendered pages of docs/web-contract.md, read as a browser would (HTML, the pt_token cookie).</summary>
public sealed class WebPagesTests(WebPagesFixture fixture) : IClassFixture<WebPagesFixture>
{
    private static readonly HtmlParser Parser = new();

    private string PublicUuid => fixture.PublicVideo.GetProperty("uuid").GetString()!;
    private string PublicShortUuid => fixture.PublicVideo.GetProperty("shortUUID").GetString()!;
    private string PrivateUuid => fixture.PrivateVideo.GetProperty("uuid").GetString()!;

    [Fact]
    public async Task The_watch_page_shows_the_video_its_sanitized_description_link_previews_and_a_playable_player()
    {
        using var browser = Browser();
        var response = await browser.GetAsync($"/w/{PublicShortUuid}");
        var page = await HtmlAsync(response, HttpStatusCode.OK);

        Assert.Equal("SAMEORIGIN", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("en", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("A public <page> video - PeerTube.Net", page.Title);
        Assert.Equal("A public <page> video", page.QuerySelector("h1#video-title")!.TextContent);
        Assert.Equal("/c/pageowner_channel", page.QuerySelector("a#video-channel")!.GetAttribute("href"));
        Assert.Equal(["nature", "tests"], page.QuerySelectorAll("a.video-tag").Select(a => a.TextContent));
        Assert.NotNull(page.QuerySelector("time#video-published[datetime]"));
        Assert.Equal("0 views", page.QuerySelector("#video-views")!.TextContent);

        var description = page.QuerySelector("#video-description")!;
        Assert.Equal("bold", description.QuerySelector("strong")!.TextContent);
        Assert.Empty(description.QuerySelectorAll("script"));
        Assert.Contains("alert('x')", description.TextContent); // shown as text, never run
        var link = description.QuerySelector("a[href='https://example.org/']")!;
        Assert.Equal("noopener nofollow", link.GetAttribute("rel"));
        Assert.DoesNotContain(description.QuerySelectorAll("a"), a => a.GetAttribute("href")?.StartsWith("javascript", StringComparison.OrdinalIgnoreCase) == true);

        var watchUrl = $"http://localhost/w/{PublicShortUuid}";
        var embedUrl = $"http://localhost/videos/embed/{PublicUuid}";
        Assert.Equal("A public <page> video", Meta(page, "og:title"));
        Assert.Equal("video.other", Meta(page, "og:type"));
        Assert.Equal(watchUrl, Meta(page, "og:url"));
        Assert.StartsWith("http://localhost/lazy-static/previews/", Meta(page, "og:image"));
        Assert.StartsWith("Hello bold world", Meta(page, "og:description"));
        Assert.Equal(embedUrl, Meta(page, "og:video:url"));
        Assert.Equal(embedUrl, Meta(page, "og:video:secure_url"));
        Assert.Equal("text/html", Meta(page, "og:video:type"));
        Assert.Equal("560", Meta(page, "og:video:width"));
        Assert.Equal("315", Meta(page, "og:video:height"));
        Assert.Equal("player", Meta(page, "twitter:card"));
        Assert.Equal(embedUrl, Meta(page, "twitter:player"));
        Assert.Equal("A public <page> video", Meta(page, "twitter:title"));
        Assert.Equal(Meta(page, "og:image"), Meta(page, "twitter:image"));
        Assert.Equal(watchUrl, page.QuerySelector("link[rel=canonical]")!.GetAttribute("href"));
        var oembed = page.QuerySelector("link[rel=alternate][type='application/json+oembed']")!.GetAttribute("href")!;
        Assert.Equal($"http://localhost/services/oembed?url={Uri.EscapeDataString(watchUrl)}", oembed);

        var config = PlayerConfig(page);
        Assert.Equal(PublicUuid, config.GetProperty("uuid").GetString());
        Assert.Equal(PublicShortUuid, config.GetProperty("shortUuid").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("videoFileToken").ValueKind);
        Assert.False(config.GetProperty("embed").GetBoolean());
        Assert.Equal(1, config.GetProperty("state").GetInt32());
        Assert.Equal(watchUrl, config.GetProperty("watchUrl").GetString());
        Assert.Equal($"/api/v1/videos/{PublicUuid}/views", config.GetProperty("viewsUrl").GetString());
        var heights = config.GetProperty("resolutions").EnumerateArray().Select(r => r.GetProperty("height").GetInt32()).ToList();
        Assert.NotEmpty(heights);
        Assert.Equal(heights.OrderDescending(), heights);
        Assert.Equal($"{heights[0]}p", config.GetProperty("resolutions")[0].GetProperty("label").GetString());
        var hlsUrl = config.GetProperty("hlsUrl").GetString()!;
        Assert.StartsWith($"/static/streaming-playlists/hls/{PublicUuid}/", hlsUrl);
        Assert.Contains("#EXTM3U", await (await browser.GetAsync(hlsUrl)).Content.ReadAsStringAsync());
        await (await browser.GetAsync(config.GetProperty("segmentsSha256Url").GetString())).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await browser.GetAsync(config.GetProperty("posterUrl").GetString())).ShouldHaveStatusAsync(HttpStatusCode.OK);
        var options = config.GetProperty("options");
        Assert.Equal(JsonValueKind.Null, options.GetProperty("start").ValueKind);
        Assert.True(options.GetProperty("p2p").GetBoolean());

        var downloads = page.QuerySelectorAll("details#download-menu a.download-file").Select(a => a.GetAttribute("href")!).ToList();
        Assert.Equal(heights.Count, downloads.Count);
        Assert.All(downloads, href => Assert.StartsWith($"/download/streaming-playlists/hls/videos/{PublicUuid}-", href));
        await (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Head, downloads[0]))).ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Contains(page.Scripts, s => s.Source == "/client/player.js" && s.Type == "module");
        Assert.Contains(page.Scripts, s => s.Source == "/client/pages.js" && s.Type == "module");

        await (await browser.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/w/{PublicShortUuid}"))).ShouldHaveStatusAsync(HttpStatusCode.OK);

        // The same page by its UUID, its numeric id, and PeerTube's long path.
        foreach (var path in new[] { $"/w/{PublicUuid}", $"/videos/watch/{PublicShortUuid}", $"/videos/watch/{fixture.PublicVideo.GetProperty("id").GetInt32()}" })
        {
            var same = await HtmlAsync(await browser.GetAsync(path), HttpStatusCode.OK);
            Assert.Equal(PublicUuid, PlayerConfig(same).GetProperty("uuid").GetString());
        }
    }

    [Fact]
    public async Task The_download_menu_is_only_there_when_downloads_are_enabled()
    {
        var uuid = (await fixture.Owner.UploadVideoAsync(await TestMedia.VideoAsync(width: 160, height: 90, seconds: 2), "No downloads here",
            new Dictionary<string, string> { ["downloadEnabled"] = "false" })).GetProperty("uuid").GetString()!;
        await fixture.Owner.WaitForTranscodingAsync(uuid);
        using var browser = Browser();
        var page = await HtmlAsync(await browser.GetAsync($"/w/{uuid}"), HttpStatusCode.OK);
        Assert.Null(page.QuerySelector("#download-menu"));
        Assert.NotNull(page.QuerySelector("#pt-player"));
    }

    [Fact]
    public async Task OEmbed_gives_the_embed_iframe_of_public_videos_and_nothing_for_private_ones()
    {
        using var anonymous = Browser();
        var watchUrl = $"http://localhost/w/{PublicShortUuid}";
        var response = await anonymous.GetAsync($"/services/oembed?format=json&url={Uri.EscapeDataString(watchUrl)}");
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("video", body.GetProperty("type").GetString());
        Assert.Equal("1.0", body.GetProperty("version").GetString());
        Assert.Equal(560, body.GetProperty("width").GetInt32());
        Assert.Equal(315, body.GetProperty("height").GetInt32());
        Assert.Equal("A public <page> video", body.GetProperty("title").GetString());
        Assert.Equal("Main pageowner channel", body.GetProperty("author_name").GetString());
        Assert.Equal("http://localhost/c/pageowner_channel", body.GetProperty("author_url").GetString());
        Assert.Equal("PeerTube.Net", body.GetProperty("provider_name").GetString());
        Assert.Equal("http://localhost", body.GetProperty("provider_url").GetString());
        Assert.StartsWith("http://localhost/lazy-static/previews/", body.GetProperty("thumbnail_url").GetString());
        Assert.True(body.GetProperty("thumbnail_width").GetInt32() > 0);
        var iframe = Parser.ParseDocument(body.GetProperty("html").GetString()!).QuerySelector("iframe")!;
        Assert.Equal($"http://localhost/videos/embed/{PublicUuid}", iframe.GetAttribute("src"));
        Assert.Equal("allow-same-origin allow-scripts allow-popups allow-forms", iframe.GetAttribute("sandbox"));
        Assert.True(iframe.HasAttribute("allowfullscreen"));
        Assert.Equal("560", iframe.GetAttribute("width"));

        var small = await anonymous.GetFromJsonAsync<JsonElement>(
            $"/services/oembed?url={Uri.EscapeDataString($"http://localhost/videos/watch/{PublicUuid}")}&maxwidth=300&maxheight=200");
        Assert.Equal(300, small.GetProperty("width").GetInt32());
        Assert.Equal(200, small.GetProperty("height").GetInt32());

        var privateUrl = Uri.EscapeDataString($"http://localhost/videos/watch/{PrivateUuid}");
        await (await anonymous.GetAsync($"/services/oembed?url={privateUrl}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await anonymous.GetAsync($"/services/oembed?url={Uri.EscapeDataString(watchUrl)}&format=xml"))
            .ShouldHaveStatusAsync(HttpStatusCode.NotImplemented);
        await (await anonymous.GetAsync($"/services/oembed?url={Uri.EscapeDataString($"https://elsewhere.example/w/{PublicShortUuid}")}"))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await anonymous.GetAsync("/services/oembed")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await anonymous.GetAsync($"/services/oembed?url={Uri.EscapeDataString(watchUrl)}&maxwidth=wide"))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task The_embed_may_be_framed_anywhere_and_reads_PeerTube_options()
    {
        using var browser = Browser();
        var response = await browser.GetAsync($"/videos/embed/{PublicShortUuid}?start=1m30s&autoplay=1&muted=true&title=0&p2p=false&api=1&loop=nonsense");
        var page = await HtmlAsync(response, HttpStatusCode.OK);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
        Assert.Equal("frame-ancestors *", response.Headers.GetValues("Content-Security-Policy").Single());

        var config = PlayerConfig(page);
        Assert.True(config.GetProperty("embed").GetBoolean());
        var options = config.GetProperty("options");
        Assert.Equal(90, options.GetProperty("start").GetInt32());
        Assert.Equal(JsonValueKind.Null, options.GetProperty("stop").ValueKind);
        Assert.True(options.GetProperty("autoplay").GetBoolean());
        Assert.True(options.GetProperty("muted").GetBoolean());
        Assert.False(options.GetProperty("title").GetBoolean());
        Assert.False(options.GetProperty("p2p").GetBoolean());
        Assert.True(options.GetProperty("api").GetBoolean());
        Assert.False(options.GetProperty("loop").GetBoolean());
        Assert.True(options.GetProperty("warningTitle").GetBoolean());
        Assert.True(options.GetProperty("controls").GetBoolean());
        Assert.True(options.GetProperty("peertubeLink").GetBoolean());
        Assert.Null(page.QuerySelector("#site-header"));

        var missing = await browser.GetAsync("/videos/embed/00000000-0000-0000-0000-000000000000");
        await HtmlAsync(missing, HttpStatusCode.NotFound);
        Assert.Equal("frame-ancestors *", missing.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("1m30s", 90)]
    [InlineData("1h2m3s", 3723)]
    [InlineData("45s", 45)]
    [InlineData("2m", 120)]
    [InlineData("abc", null)]
    [InlineData("", null)]
    [InlineData("99999999999999999999", null)]
    public void Start_times_read_as_PeerTube_reads_them(string value, int? seconds) =>
        Assert.Equal(seconds, PlayerOptions.Time(value));

    [Fact]
    public async Task A_private_video_is_401_to_the_anonymous_403_to_others_and_playable_by_its_owner_through_the_cookie()
    {
        using var anonymous = Browser();
        var hidden = await HtmlAsync(await anonymous.GetAsync($"/w/{PrivateUuid}"), HttpStatusCode.Unauthorized);
        Assert.DoesNotContain("Secret", hidden.DocumentElement.OuterHtml);
        Assert.Equal($"/login?redirect={Uri.EscapeDataString($"/w/{PrivateUuid}")}", hidden.QuerySelector("a#status-login")!.GetAttribute("href"));
        Assert.Null(hidden.QuerySelector("#pt-player"));
        await HtmlAsync(await anonymous.GetAsync($"/videos/embed/{PrivateUuid}"), HttpStatusCode.Unauthorized);

        using var stranger = Browser(fixture.Stranger);
        var forbidden = await HtmlAsync(await stranger.GetAsync($"/w/{PrivateUuid}"), HttpStatusCode.Forbidden);
        Assert.DoesNotContain("Secret", forbidden.DocumentElement.OuterHtml);

        using var owner = Browser(fixture.Owner);
        var page = await HtmlAsync(await owner.GetAsync($"/w/{PrivateUuid}"), HttpStatusCode.OK);
        Assert.Equal("Secret private video", page.QuerySelector("h1#video-title")!.TextContent);
        Assert.Equal("pageowner", page.QuerySelector("#user-menu-name")!.TextContent);
        Assert.Null(page.QuerySelector("link[type='application/json+oembed']"));
        var config = PlayerConfig(page);
        var token = config.GetProperty("videoFileToken").GetString()!;
        var hlsUrl = config.GetProperty("hlsUrl").GetString()!;
        Assert.StartsWith($"/static/streaming-playlists/hls/private/{PrivateUuid}/", hlsUrl);

        // What the player does: no cookie (an embed on another site has none), only the token.
        using var player = Browser();
        await (await player.GetAsync(hlsUrl)).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var playlist = await player.GetAsync($"{hlsUrl}?videoFileToken={Uri.EscapeDataString(token)}");
        await playlist.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Contains("#EXTM3U", await playlist.Content.ReadAsStringAsync());

        var admin = await HtmlAsync(await Browser(fixture.Root).GetAsync($"/w/{PrivateUuid}"), HttpStatusCode.OK);
        Assert.NotNull(PlayerConfig(admin).GetProperty("videoFileToken").GetString());
    }

    [Fact]
    public async Task The_cookie_signs_in_page_loads_but_never_an_API_call()
    {
        var id = (await fixture.Owner.UploadVideoAsync(await TestMedia.VideoAsync(width: 160, height: 90, seconds: 2), "Not deletable by cookie"))
            .GetProperty("id").GetInt32();
        using var owner = Browser(fixture.Owner);

        await (await owner.DeleteAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await owner.PutAsJsonAsync($"/api/v1/videos/{id}", new { name = "Renamed by a forged request" })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await owner.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        Assert.Equal("Not deletable by cookie", (await fixture.Owner.GetVideoAsync(id)).GetProperty("name").GetString());

        var home = await HtmlAsync(await owner.GetAsync("/"), HttpStatusCode.OK);
        Assert.Equal("pageowner", home.QuerySelector("nav#user-menu #user-menu-name")!.TextContent);
        Assert.NotNull(home.QuerySelector("a#menu-upload[href='/videos/upload']"));
        Assert.NotNull(home.QuerySelector("a#menu-my-videos[href='/my-library/videos']"));
        Assert.NotNull(home.QuerySelector("button#logout"));
        Assert.Null(home.QuerySelector("a#menu-admin"));
        Assert.Null(home.QuerySelector("a#login-link"));

        var rootHome = await HtmlAsync(await Browser(fixture.Root).GetAsync("/"), HttpStatusCode.OK);
        Assert.NotNull(rootHome.QuerySelector("a#menu-admin[href='/admin']"));

        using var stale = Browser();
        stale.DefaultRequestHeaders.Add("Cookie", $"{WebSession.CookieName}=not-a-real-token");
        var anonymousHome = await stale.GetAsync("/");
        await anonymousHome.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.NotNull((await HtmlAsync(anonymousHome, HttpStatusCode.OK)).QuerySelector("a#login-link"));
    }

    [Fact]
    public async Task Pages_that_need_a_user_send_the_anonymous_to_sign_in_and_come_back()
    {
        using var anonymous = Browser();
        foreach (var path in new[] { "/videos/upload", "/my-library/videos", $"/videos/update/{PublicUuid}", "/admin" })
        {
            var response = await anonymous.GetAsync(path);
            await response.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
            Assert.Equal($"/login?redirect={Uri.EscapeDataString(path)}", response.Headers.Location!.OriginalString);
        }

        var login = await HtmlAsync(await anonymous.GetAsync("/login?redirect=%2Fvideos%2Fupload"), HttpStatusCode.OK);
        Assert.NotNull(login.QuerySelector("form#login-form #login-username"));
        Assert.NotNull(login.QuerySelector("form#login-form #login-password[type=password]"));
        Assert.NotNull(login.QuerySelector("form#login-form button#login-submit"));
        Assert.NotNull(login.QuerySelector("#login-error"));
    }

    [Fact]
    public async Task The_upload_page_offers_the_viewers_channels_and_the_contracts_form()
    {
        using var owner = Browser(fixture.Owner);
        var page = await HtmlAsync(await owner.GetAsync("/videos/upload"), HttpStatusCode.OK);
        var channelId = await fixture.Owner.MyChannelIdAsync();
        Assert.Equal([channelId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            page.QuerySelectorAll("select#upload-channel option").Select(o => o.GetAttribute("value")));
        Assert.Equal(["1", "2", "3", "4", "5"], page.QuerySelectorAll("select#upload-privacy option").Select(o => o.GetAttribute("value")));
        foreach (var selector in new[]
                 {
                     "form#upload-form input#upload-file[type=file]", "#upload-name", "textarea#upload-description", "#upload-tags", "button#upload-submit",
                     "progress#upload-progress[max='100']", "progress#transcoding-progress[max='100'][data-state]", "a#watch-link[hidden]", "#upload-error",
                 })
        {
            Assert.True(page.QuerySelector(selector) is not null, $"the upload page should have {selector}");
        }

        Assert.Contains(page.Scripts, s => s.Source == "/client/upload.js" && s.Type == "module");
        Assert.Contains(page.Scripts, s => s.Source == "/client/pages.js" && s.Type == "module");
    }

    [Fact]
    public async Task My_videos_lists_every_state_and_the_edit_page_is_for_the_owner_or_an_admin()
    {
        // A failed transcoding as the job leaves it (TranscodingLifecycleTests makes a real one, with a broken ffmpeg).
        var failed = await fixture.Owner.UploadVideoAsync(await TestMedia.VideoAsync(width: 160, height: 90, seconds: 2), "Garbage that fails");
        var failedUuid = failed.GetProperty("uuid").GetString()!;
        await fixture.Owner.WaitForTranscodingAsync(failedUuid);
        using (var scope = fixture.Server.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Videos.Where(v => v.Uuid == Guid.Parse(failedUuid)).ExecuteUpdateAsync(v => v
                .SetProperty(x => x.State, VideoState.TranscodingFailed).SetProperty(x => x.FailureReason, "ffmpeg exited with code 1"));
        }

        using var owner = Browser(fixture.Owner);
        var page = await HtmlAsync(await owner.GetAsync("/my-library/videos"), HttpStatusCode.OK);
        var rows = page.QuerySelectorAll(".my-video[data-uuid][data-id]");
        Assert.Contains(rows, r => r.GetAttribute("data-uuid") == PrivateUuid);
        var failedRow = rows.Single(r => r.GetAttribute("data-uuid") == failedUuid);
        Assert.Equal(failed.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture), failedRow.GetAttribute("data-id"));
        Assert.Equal("Garbage that fails", failedRow.QuerySelector("a.my-video-title")!.TextContent);
        Assert.Equal("Transcoding failed", failedRow.QuerySelector(".my-video-state")!.TextContent);
        Assert.Equal("ffmpeg exited with code 1", failedRow.QuerySelector(".my-video-failure")!.TextContent);
        Assert.Equal($"/videos/update/{failedUuid}", failedRow.QuerySelector("a.my-video-edit")!.GetAttribute("href"));
        Assert.NotNull(failedRow.QuerySelector("button.my-video-delete"));
        Assert.Null(rows.Single(r => r.GetAttribute("data-uuid") == PublicUuid).QuerySelector(".my-video-failure"));

        var edit = await HtmlAsync(await owner.GetAsync($"/videos/update/{PublicUuid}"), HttpStatusCode.OK);
        Assert.Equal("A public <page> video", edit.QuerySelector("form#edit-form input#edit-name")!.GetAttribute("value"));
        Assert.Equal("1", edit.QuerySelector("select#edit-privacy option[selected]")!.GetAttribute("value"));
        Assert.Equal(WebPagesFixture.Description, edit.QuerySelector("textarea#edit-description")!.TextContent);
        Assert.Equal("nature, tests", edit.QuerySelector("#edit-tags")!.GetAttribute("value"));
        Assert.NotNull(edit.QuerySelector("button#edit-submit"));
        Assert.NotNull(edit.QuerySelector("#edit-saved[hidden]"));

        await HtmlAsync(await Browser(fixture.Stranger).GetAsync($"/videos/update/{PublicUuid}"), HttpStatusCode.Forbidden);
        await HtmlAsync(await Browser(fixture.Root).GetAsync($"/videos/update/{PublicUuid}"), HttpStatusCode.OK);
        await HtmlAsync(await owner.GetAsync("/videos/update/not-a-video"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Administration_is_for_admins_only()
    {
        using var stranger = Browser(fixture.Stranger);
        await HtmlAsync(await stranger.GetAsync("/admin"), HttpStatusCode.Forbidden);

        using var root = Browser(fixture.Root);
        var admin = await HtmlAsync(await root.GetAsync("/admin"), HttpStatusCode.OK);
        Assert.NotNull(admin.QuerySelector("a#admin-jobs[href='/admin/jobs']"));
        var strangerId = (await fixture.Stranger.MeAsync()).GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var row = admin.QuerySelector($"tr.admin-user[data-id='{strangerId}']")!;
        Assert.Equal("-1", row.QuerySelector("input.admin-user-quota")!.GetAttribute("value"));
        Assert.NotNull(row.QuerySelector("button.admin-user-save"));
        Assert.NotNull(admin.QuerySelector("table.admin-p2p tr.admin-p2p-total"));

        // A viewer fetches part of a segment over HTTP: the peer-to-peer table lists the video with what this node sent.
        using var anonymous = Browser();
        var fileUrl = fixture.PublicVideo.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString();
        var range = new HttpRequestMessage(HttpMethod.Get, fileUrl);
        range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(0, 99);
        await (await anonymous.SendAsync(range)).ShouldHaveStatusAsync(HttpStatusCode.PartialContent);
        // Counted once the response is complete.
        var p2pRow = await Federation.FederationTestKit.EventuallyAsync(async () =>
            (await HtmlAsync(await root.GetAsync("/admin"), HttpStatusCode.OK))
            .QuerySelector($"table.admin-p2p tr.admin-p2p-video[data-uuid='{PublicUuid}']"), "the admin page to list the video in its peer-to-peer table");
        Assert.NotNull(p2pRow);
        Assert.Contains(fixture.PublicVideo.GetProperty("name").GetString()!, p2pRow.QuerySelector("th a")!.TextContent);

        var jobsAnonymous = await anonymous.GetAsync("/admin/jobs");
        await jobsAnonymous.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        Assert.Equal("/login?redirect=%2Fadmin%2Fjobs", jobsAnonymous.Headers.Location!.OriginalString);
        await HtmlAsync(await stranger.GetAsync("/admin/jobs"), HttpStatusCode.Forbidden);
        await (await stranger.GetAsync("/admin/jobs/stats")).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var dashboard = await root.GetAsync("/admin/jobs");
        await dashboard.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Contains("Hangfire", await dashboard.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Home_lists_public_published_videos_as_cards_and_pages_them()
    {
        using var anonymous = Browser();
        var home = await HtmlAsync(await anonymous.GetAsync("/"), HttpStatusCode.OK);
        Assert.NotNull(home.QuerySelector("a#login-link"));
        Assert.NotNull(home.QuerySelector("header#site-header a#home-link[href='/']"));
        Assert.NotNull(home.QuerySelector("a.skip-link[href='#main']"));
        Assert.NotNull(home.QuerySelector("link[rel=stylesheet][href='/client/site.css']"));

        var card = home.QuerySelectorAll("section#recent .video-card")
            .Single(c => c.QuerySelector("a.video-card-link")!.GetAttribute("href") == $"/w/{PublicShortUuid}");
        Assert.Equal("A public <page> video", card.QuerySelector(".video-title")!.TextContent);
        Assert.Equal("0:02", card.QuerySelector(".video-duration")!.TextContent);
        Assert.Equal("0 views", card.QuerySelector(".video-views")!.TextContent);
        Assert.StartsWith("/lazy-static/thumbnails/", card.QuerySelector("img.video-thumbnail")!.GetAttribute("src"));
        Assert.NotEmpty(home.QuerySelectorAll("section#trending .video-card"));
        Assert.DoesNotContain("Secret", home.DocumentElement.OuterHtml);
        Assert.Null(home.QuerySelector("a[rel=prev]"));

        var tagged = await HtmlAsync(await anonymous.GetAsync("/?tagsOneOf=nature"), HttpStatusCode.OK);
        Assert.Single(tagged.QuerySelectorAll("section#recent .video-card"));
        var untagged = await HtmlAsync(await anonymous.GetAsync("/?tagsOneOf=nothing-has-this"), HttpStatusCode.OK);
        Assert.Empty(untagged.QuerySelectorAll("section#recent .video-card"));

        var far = await HtmlAsync(await anonymous.GetAsync("/?page=50"), HttpStatusCode.OK);
        Assert.Empty(far.QuerySelectorAll(".video-card"));
        Assert.Equal("?page=49", far.QuerySelector("a[rel=prev]")!.GetAttribute("href"));

        var channel = await HtmlAsync(await anonymous.GetAsync("/c/pageowner_channel"), HttpStatusCode.OK);
        Assert.Equal("Main pageowner channel", channel.QuerySelector("h1#channel-name")!.TextContent);
        Assert.Contains(channel.QuerySelectorAll(".video-card a.video-card-link"), a => a.GetAttribute("href") == $"/w/{PublicShortUuid}");
        await HtmlAsync(await anonymous.GetAsync("/c/pageowner_channel@localhost"), HttpStatusCode.OK);
        var account = await HtmlAsync(await anonymous.GetAsync("/a/pageowner"), HttpStatusCode.OK);
        Assert.NotNull(account.QuerySelector("h1#account-name"));
        Assert.NotEmpty(account.QuerySelectorAll(".video-card"));
    }

    [Theory]
    [InlineData("/no/such/page")]
    [InlineData("/w/not-a-uuid")]
    [InlineData("/w/99999999999999999999999999999999999999")]
    [InlineData("/w/00000000-0000-0000-0000-000000000000")]
    [InlineData("/videos/watch/%E2%9C%93%20%22%3E")]
    [InlineData("/c/nobody")]
    [InlineData("/c/pageowner_channel@elsewhere.example")]
    [InlineData("/a/nobody")]
    [InlineData("/videos/embed/zzz")]
    [InlineData("/client/missing.js")]
    [InlineData("/client/..%2F..%2Fappsettings.json")]
    public async Task Unknown_pages_are_an_HTML_404(string path)
    {
        using var browser = Browser();
        var page = await HtmlAsync(await browser.GetAsync(path), HttpStatusCode.NotFound);
        Assert.NotNull(page.QuerySelector("header#site-header"));
    }

    [Theory]
    [InlineData("/?page=99999999999")]
    [InlineData("/?page=-3")]
    [InlineData("/?page=abc")]
    [InlineData("/c/pageowner_channel?page=100001")]
    [InlineData("/videos/embed/{public}?start=1h99999999999m&stop=%20")]
    [InlineData("/w/{public}?start=nonsense&autoplay=maybe")]
    public async Task Odd_input_never_breaks_a_page(string path)
    {
        using var browser = Browser();
        var response = await browser.GetAsync(path.Replace("{public}", PublicShortUuid, StringComparison.Ordinal));
        await HtmlAsync(response, HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_API_paths_stay_JSON_problems()
    {
        using var browser = Browser();
        await (await browser.GetAsync("/api/v1/no-such-thing")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task The_stylesheet_is_served_and_revalidated()
    {
        using var browser = Browser();
        var css = await browser.GetAsync("/client/site.css");
        await css.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/css", css.Content.Headers.ContentType!.MediaType);
        Assert.True(css.Headers.CacheControl!.NoCache);
        Assert.Contains(".video-card", await css.Content.ReadAsStringAsync());

        var again = new HttpRequestMessage(HttpMethod.Get, "/client/site.css");
        again.Headers.IfNoneMatch.Add(css.Headers.ETag!);
        await (await browser.SendAsync(again)).ShouldHaveStatusAsync(HttpStatusCode.NotModified);
    }

    [Fact]
    public void Descriptions_keep_only_safe_markup()
    {
        var markdown = new Markdown();
        var html = markdown.ToHtml("# Title\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) <https://example.org> *em*\n\n> quote");
        var fragment = Parser.ParseDocument(html).Body!;
        Assert.Null(fragment.QuerySelector("h1"));
        Assert.Equal("Title", fragment.QuerySelector("h2")!.TextContent);
        Assert.Null(fragment.QuerySelector("img"));
        Assert.Null(fragment.QuerySelector("[onerror]"));
        Assert.DoesNotContain("javascript", html, StringComparison.OrdinalIgnoreCase);
        var link = fragment.QuerySelector("a[href='https://example.org']")!;
        Assert.Equal("noopener nofollow", link.GetAttribute("rel"));
        Assert.NotNull(fragment.QuerySelector("em"));
        Assert.NotNull(fragment.QuerySelector("blockquote"));
        Assert.Equal("", markdown.ToHtml(null));
    }

    [Theory]
    [InlineData("GET", "/w/abc", null, "Bearer cookie-token")]
    [InlineData("HEAD", "/", null, "Bearer cookie-token")]
    [InlineData("GET", "/api/v1/users/me", null, null)]
    [InlineData("DELETE", "/api/v1/videos/1", null, null)]
    [InlineData("POST", "/videos/upload", null, null)]
    [InlineData("POST", "/hubs/videos/negotiate", null, "Bearer cookie-token")]
    [InlineData("GET", "/hubs/videos", "query-token", "Bearer query-token")]
    [InlineData("POST", "/admin/jobs/jobs/enqueued/delete", null, "Bearer cookie-token")]
    public async Task The_cookie_becomes_a_bearer_only_where_it_cannot_change_anything(string method, string path, string? accessToken, string? expected)
    {
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        http.Request.Method = method;
        http.Request.Path = path;
        http.Request.Headers.Cookie = $"{WebSession.CookieName}=cookie-token";
        if (accessToken is not null)
        {
            http.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString($"?access_token={accessToken}");
        }

        string? seen = null;
        await WebSession.InvokeAsync(http, context =>
        {
            seen = context.Request.Headers.Authorization.ToString() is { Length: > 0 } value ? value : null;
            return Task.CompletedTask;
        });
        Assert.Equal(expected, seen);
    }

    /// <summary>A browser: no redirects followed; signed in through the pt_token cookie when given a user.</summary>
    private HttpClient Browser(PeerTubeClient? user = null)
    {
        var http = PeerTubeClient.CreateHttpClient(fixture.Server);
        if (user is not null)
        {
            http.DefaultRequestHeaders.Add("Cookie", $"{WebSession.CookieName}={user.Http.DefaultRequestHeaders.Authorization!.Parameter}");
        }

        return http;
    }

    private static async Task<IDocument> HtmlAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        await response.ShouldHaveStatusAsync(status);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return await Parser.ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    private static string? Meta(IDocument page, string key) =>
        (page.QuerySelector($"meta[property='{key}']") ?? page.QuerySelector($"meta[name='{key}']"))?.GetAttribute("content");

    private static JsonElement PlayerConfig(IDocument page)
    {
        var mount = page.QuerySelector("div#pt-player.pt-player[data-config]");
        Assert.NotNull(mount);
        return JsonDocument.Parse(mount.GetAttribute("data-config")!).RootElement;
    }
}

/// <summary>The pages' own queries (tag filter, paging, quotas) on PostgreSQL; named apart so the Sqlite filter "WebPages" leaves it out.</summary>
public sealed class PagesOnPostgresTests
{
    [Fact]
    public async Task The_pages_queries_work_on_PostgreSQL()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Postgres);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var video = await root.UploadVideoAsync(await TestMedia.VideoAsync(width: 160, height: 90, seconds: 2), "Tagged on Postgres",
            new Dictionary<string, string> { ["tags[0]"] = "postgres" });
        var shortUuid = (await root.WaitForTranscodingAsync(video.GetProperty("uuid").GetString()!)).GetProperty("shortUUID").GetString();
        using var browser = PeerTubeClient.CreateHttpClient(server);
        browser.DefaultRequestHeaders.Add("Cookie", $"{WebSession.CookieName}={root.Http.DefaultRequestHeaders.Authorization!.Parameter}");

        foreach (var path in new[] { "/?tagsOneOf=postgres", "/?page=2", "/c/root_channel", "/a/root", "/my-library/videos", "/admin", $"/w/{shortUuid}" })
        {
            var response = await browser.GetAsync(path);
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            if (path.StartsWith("/?tagsOneOf", StringComparison.Ordinal))
            {
                Assert.Contains($"/w/{shortUuid}", await response.Content.ReadAsStringAsync());
            }
        }
    }
}
