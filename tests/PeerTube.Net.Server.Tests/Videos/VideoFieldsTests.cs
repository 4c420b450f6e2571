using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Videos;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Videos;

/// <summary>
/// The video's own fields (issue 18, part D): password-protected videos (privacy 5) and who may manage their passwords,
/// scheduled publication, nsfw and originallyPublishedAt in lists, and downloads turned off.
/// </summary>
public sealed class VideoFieldsTests : IAsyncLifetime
{
    private const string Password = "open-sesame";
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;
    private PeerTubeClient _anonymous = null!;
    private string _source = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "creator");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "stranger");
        _anonymous = PeerTubeClient.Anonymous(_server);
        _source = await TestMedia.VideoAsync(160, 90, seconds: 1);
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        _stranger.Dispose();
        _anonymous.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_password_protected_video_opens_with_its_password_only_and_stays_out_of_lists_and_torrents()
    {
        // Uploaded the resumable way, with its passwords; privacy 5 without any is refused.
        var bytes = await File.ReadAllBytesAsync(_source);
        await (await StartResumableUploadAsync(bytes.Length, null)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await StartResumableUploadAsync(bytes.Length, ["twice", "twice"])).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var session = await StartResumableUploadAsync(bytes.Length, [Password, "another-one"]);
        await session.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var done = await _owner.PutChunkAsync(session.Headers.Location!.ToString(), bytes, 0, bytes.Length - 1);
        await done.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var id = (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video").GetProperty("id").GetInt32();
        var video = await _owner.WaitForTranscodingAsync(id);
        Assert.Equal(5, video.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.Equal("Password protected", video.GetProperty("privacy").GetProperty("label").GetString());

        // The video JSON: PeerTube's 403 codes without or with a wrong password, for anyone but its owner and moderators.
        await (await _anonymous.Http.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "video_requires_password");
        await (await _stranger.Http.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "video_requires_password");
        await (await _anonymous.Http.SendAsync(WithPassword(HttpMethod.Get, $"/api/v1/videos/{id}", "wrong")))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, "incorrect_video_password");
        await (await _anonymous.Http.SendAsync(WithPassword(HttpMethod.Get, $"/api/v1/videos/{id}/description", "wrong")))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, "incorrect_video_password");
        var opened = await _anonymous.Http.SendAsync(WithPassword(HttpMethod.Get, $"/api/v1/videos/{id}", Password));
        await opened.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("Secret screening", (await opened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        await (await _root.Http.GetAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Its files are behind the private path and a file token, which the password (only) buys.
        var master = video.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        Assert.Contains("/hls/private/", master);
        var masterPath = new Uri(master).PathAndQuery;
        await (await _anonymous.Http.GetAsync(masterPath)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.Http.GetAsync(masterPath.Replace("/private/", "/", StringComparison.Ordinal))).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await (await _anonymous.Http.PostAsync($"/api/v1/videos/{id}/token", null)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "video_requires_password");
        await (await _stranger.Http.SendAsync(WithPassword(HttpMethod.Post, $"/api/v1/videos/{id}/token", "wrong")))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, "incorrect_video_password");
        var tokenResponse = await _anonymous.Http.SendAsync(WithPassword(HttpMethod.Post, $"/api/v1/videos/{id}/token", "another-one"));
        await tokenResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files").GetProperty("token").GetString();
        Assert.Contains("#EXTM3U", await _anonymous.Http.GetStringAsync($"{masterPath}?videoFileToken={token}"));

        // Neither tracked nor seeded, nor listed: as a private video (its torrents, for its owner, have no web seed).
        var catalog = _server.Services.GetRequiredService<PeerTube.Net.Server.Features.Torrents.ITorrentCatalog>();
        foreach (var file in video.GetProperty("files").EnumerateArray())
        {
            Assert.False(await catalog.IsKnownAsync(file.GetProperty("infoHash").GetString()!, CancellationToken.None));
            Assert.Null(await catalog.FindAsync(file.GetProperty("infoHash").GetString()!, CancellationToken.None));
        }
        var uuid = video.GetProperty("uuid").GetString();
        foreach (var list in new[] { "/api/v1/videos?nsfw=both", "/api/v1/accounts/creator/videos?nsfw=both", "/api/v1/video-channels/creator_channel/videos" })
        {
            var page = await _root.Http.GetFromJsonAsync<JsonElement>(list);
            Assert.DoesNotContain(page.GetProperty("data").EnumerateArray(), v => v.GetProperty("uuid").GetString() == uuid);
        }

        // Its page asks for the password and shows nothing of the video; the embed too.
        foreach (var path in new[] { $"/w/{video.GetProperty("shortUUID").GetString()}", $"/videos/embed/{uuid}" })
        {
            var html = await _anonymous.Http.GetStringAsync(path);
            Assert.Contains("passwordRequired&quot;:true", html);
            Assert.DoesNotContain("Secret screening", html);
            Assert.Contains("videoFileToken&quot;:null", html);
        }
    }

    [Fact]
    public async Task Only_the_owner_and_moderators_list_replace_and_remove_the_passwords()
    {
        await (await _owner.UploadAsync(_source, "No password given", fields: new Dictionary<string, string> { ["privacy"] = "5" }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var id = (await _owner.UploadVideoAsync(_source, "Two passwords", new Dictionary<string, string>
        {
            ["privacy"] = "5", ["videoPasswords[0]"] = "first-pass", ["videoPasswords[1]"] = "second-pass",
        })).GetProperty("id").GetInt32();
        var passwords = $"/api/v1/videos/{id}/passwords";

        await (await _anonymous.Http.GetAsync(passwords)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await _stranger.Http.GetAsync(passwords)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _stranger.Http.PutAsJsonAsync(passwords, new { passwords = new[] { "hijacked" } })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.Http.PutAsJsonAsync(passwords, new { passwords = new[] { "hijacked" } })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        var listed = await _owner.Http.GetFromJsonAsync<JsonElement>(passwords);
        Assert.Equal(2, listed.GetProperty("total").GetInt32());
        var firstId = listed.GetProperty("data")[0].GetProperty("id").GetInt32();
        await (await _stranger.Http.DeleteAsync($"{passwords}/{firstId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.Equal(2, (await _root.Http.GetFromJsonAsync<JsonElement>(passwords)).GetProperty("total").GetInt32());

        // PeerTube's rules on the new list, then the list replaced.
        await (await _owner.Http.PutAsJsonAsync(passwords, new { passwords = Array.Empty<string>() })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync(passwords, new { passwords = new[] { "same", "same" } })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync(passwords, new { passwords = new[] { "x" } })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync(passwords, new { passwords = new[] { "second-pass", "third-pass" } })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var replaced = (await _owner.Http.GetFromJsonAsync<JsonElement>($"{passwords}?sort=password")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["second-pass", "third-pass"], replaced.Select(p => p.GetProperty("password").GetString()));
        await (await _anonymous.Http.SendAsync(WithPassword(HttpMethod.Get, $"/api/v1/videos/{id}", "first-pass")))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, "incorrect_video_password");

        // One goes; the last one stays.
        await (await _owner.Http.DeleteAsync($"{passwords}/{replaced[0].GetProperty("id").GetInt32()}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _owner.Http.DeleteAsync($"{passwords}/{replaced[1].GetProperty("id").GetInt32()}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _owner.Http.DeleteAsync($"{passwords}/999999")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        // Made public, it keeps no password.
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _owner.Http.GetAsync(passwords)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 5 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task A_scheduled_update_publishes_the_video_once_when_its_time_has_come()
    {
        var inAnHour = DateTimeOffset.UtcNow.AddHours(1);
        var id = (await _owner.UploadVideoAsync(_source, "Premiere", new Dictionary<string, string>
        {
            ["privacy"] = "3", ["scheduleUpdate[updateAt]"] = inAnHour.ToString("O"), ["scheduleUpdate[privacy]"] = "1",
        })).GetProperty("id").GetInt32();
        var scheduled = (await _owner.GetVideoAsync(id)).GetProperty("scheduledUpdate");
        Assert.Equal(1, scheduled.GetProperty("privacy").GetInt32());
        Assert.Equal(inAnHour.ToUnixTimeSeconds(), scheduled.GetProperty("updateAt").GetDateTimeOffset().ToUnixTimeSeconds());
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { scheduleUpdate = new { updateAt = inAnHour, privacy = 3 } }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        // Not yet: a run leaves it private.
        await RunScheduledUpdatesAsync();
        Assert.Equal(3, (await _owner.GetVideoAsync(id)).GetProperty("privacy").GetProperty("id").GetInt32());

        // Its time has come (moved to a minute ago, to unlisted): the job applies it, and a second run finds nothing to do.
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { scheduleUpdate = new { updateAt = DateTimeOffset.UtcNow.AddMinutes(-1), privacy = 2 } }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await RunScheduledUpdatesAsync();
        var published = await _owner.GetVideoAsync(id);
        Assert.Equal(2, published.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, published.GetProperty("scheduledUpdate").ValueKind);
        await RunScheduledUpdatesAsync();
        var again = await _owner.GetVideoAsync(id);
        Assert.Equal(published.GetProperty("updatedAt").GetString(), again.GetProperty("updatedAt").GetString());
        Assert.Equal("Premiere", (await _anonymous.GetVideoAsync(id)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Lists_honour_nsfw_and_originally_published_dates_and_disabled_downloads_are_refused()
    {
        var sensitive = (await _owner.UploadVideoAsync(_source, "Sensitive archive", new Dictionary<string, string>
        {
            ["privacy"] = "1", ["nsfw"] = "true", ["originallyPublishedAt"] = "2001-02-03T00:00:00Z", ["support"] = "Buy my zine",
        })).GetProperty("uuid").GetString()!;
        var plain = (await _owner.UploadVideoAsync(_source, "Plain and kept", new Dictionary<string, string>
        {
            ["privacy"] = "1", ["downloadEnabled"] = "false",
        })).GetProperty("id").GetInt32();

        var fields = await _anonymous.GetVideoAsync(sensitive);
        Assert.True(fields.GetProperty("nsfw").GetBoolean());
        Assert.Equal("Buy my zine", fields.GetProperty("support").GetString());
        Assert.Equal(new DateTimeOffset(2001, 2, 3, 0, 0, 0, TimeSpan.Zero), fields.GetProperty("originallyPublishedAt").GetDateTimeOffset());

        // The instance's defaultNSFWPolicy is do_not_list: sensitive videos only when asked for.
        Assert.DoesNotContain(sensitive, await ListedAsync("/api/v1/videos"));
        Assert.Contains(sensitive, await ListedAsync("/api/v1/videos?nsfw=both"));
        Assert.Equal([sensitive], await ListedAsync("/api/v1/videos?nsfw=true"));
        Assert.Equal([sensitive], await ListedAsync("/api/v1/videos?nsfw=both&originallyPublishedStartDate=2001-01-01&originallyPublishedEndDate=2001-12-31"));
        Assert.Empty(await ListedAsync("/api/v1/videos?nsfw=both&originallyPublishedStartDate=2002-01-01"));
        await (await _anonymous.Http.GetAsync("/api/v1/videos?nsfw=maybe")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _anonymous.Http.GetAsync("/api/v1/videos?originallyPublishedStartDate=someday")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        Assert.Contains("video-nsfw-warning", await _anonymous.Http.GetStringAsync($"/videos/watch/{sensitive}"));
        Assert.Contains("Buy my zine", await _anonymous.Http.GetStringAsync($"/videos/watch/{sensitive}"));

        // Downloads off: no download menu, and the download route refuses everyone but the owner.
        var video = await _owner.WaitForTranscodingAsync(plain);
        Assert.False(video.GetProperty("downloadEnabled").GetBoolean());
        var download = new Uri(video.GetProperty("files")[0].GetProperty("fileDownloadUrl").GetString()!).PathAndQuery;
        await (await _anonymous.Http.GetAsync(download)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _stranger.Http.GetAsync(download)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _owner.Http.GetAsync(download)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.DoesNotContain("download-menu", await _anonymous.Http.GetStringAsync($"/videos/watch/{video.GetProperty("uuid").GetString()}"));
    }

    private async Task<HttpResponseMessage> StartResumableUploadAsync(long length, string[]? passwords)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/videos/upload-resumable")
        {
            Content = JsonContent.Create(new
            {
                name = "Secret screening", channelId = await _owner.MyChannelIdAsync(), filename = "secret.mp4", privacy = 5, videoPasswords = passwords,
            }),
        };
        request.Headers.Add("X-Upload-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Upload-Content-Type", "video/mp4");
        return await _owner.Http.SendAsync(request);
    }

    private async Task<List<string>> ListedAsync(string path) =>
        (await _anonymous.Http.GetFromJsonAsync<JsonElement>(path)).GetProperty("data").EnumerateArray()
            .Select(v => v.GetProperty("uuid").GetString()!).ToList();

    private async Task RunScheduledUpdatesAsync()
    {
        await using var scope = _server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ScheduledUpdatesJob>().RunAsync(CancellationToken.None);
    }

    private static HttpRequestMessage WithPassword(HttpMethod method, string path, string password)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(VideoPasswords.Header, password);
        return request;
    }
}
