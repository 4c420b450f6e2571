using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Playlists;

/// <summary>
/// PeerTube's playlist API on one server: a creator makes a list, fills it, orders it; every mutating endpoint tried as
/// another user and anonymously; a private playlist and a private video inside a public one never show to others.
/// </summary>
public sealed class PlaylistsApiTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "curator");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "stranger");
        _anonymous = PeerTubeClient.CreateHttpClient(_server);
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
    public async Task A_creator_makes_a_playlist_fills_it_orders_it_and_finds_it_on_the_account_and_the_channel()
    {
        var privacies = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-playlists/privacies");
        Assert.Equal("Private", privacies.GetProperty("3").GetString());

        var channelId = await _owner.MyChannelIdAsync();
        var noChannel = await _owner.Http.PostAsJsonAsync("/api/v1/video-playlists", new { displayName = "Nowhere", privacy = 1 });
        await noChannel.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PostAsJsonAsync("/api/v1/video-playlists", new { displayName = "", privacy = 3 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        // Multipart, as PeerTube's client sends it, with a thumbnail that is re-encoded.
        using var form = new MultipartFormDataContent
        {
            { new StringContent("Road trip"), "displayName" },
            { new StringContent("Songs for the **road**."), "description" },
            { new StringContent("1"), "privacy" },
            { new StringContent(channelId.ToString(System.Globalization.CultureInfo.InvariantCulture)), "videoChannelId" },
        };
        var image = new ByteArrayContent(await File.ReadAllBytesAsync(await TestMedia.ImageAsync()));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "thumbnailfile", "cover.png");
        var created = await _owner.Http.PostAsync("/api/v1/video-playlists", form);
        await created.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var ids = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("videoPlaylist");
        var shortUuid = ids.GetProperty("shortUUID").GetString()!;

        var first = await UploadAsync(_owner, "First");
        var second = await UploadAsync(_owner, "Second");
        var third = await UploadAsync(_owner, "Third");
        var e1 = await AddAsync(_owner, shortUuid, first, new { startTimestamp = 1 });
        var e2 = await AddAsync(_owner, shortUuid, second);
        await AddAsync(_owner, shortUuid, third);

        var playlist = await _anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/video-playlists/{shortUuid}");
        Assert.Equal("Road trip", playlist.GetProperty("displayName").GetString());
        Assert.Equal(3, playlist.GetProperty("videosLength").GetInt32());
        Assert.Equal(1, playlist.GetProperty("type").GetProperty("id").GetInt32());
        Assert.Equal("curator_channel", playlist.GetProperty("videoChannel").GetProperty("name").GetString());
        var thumbnail = playlist.GetProperty("thumbnailPath").GetString()!;
        var jpeg = await _anonymous.GetByteArrayAsync(thumbnail);
        Assert.Equal([0xFF, 0xD8], jpeg[..2]); // Re-encoded to JPEG, not the PNG as sent.

        Assert.Equal(["First", "Second", "Third"], await NamesAsync(shortUuid));

        // Move "Third" (position 3) to the top, then "First" and "Second" after "Third"... PeerTube's reorder.
        await (await _owner.Http.PostAsJsonAsync($"/api/v1/video-playlists/{shortUuid}/videos/reorder", new { startPosition = 3, insertAfterPosition = 0 }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(["Third", "First", "Second"], await NamesAsync(shortUuid));
        await (await _owner.Http.PostAsJsonAsync($"/api/v1/video-playlists/{shortUuid}/videos/reorder", new { startPosition = 1, insertAfterPosition = 3 }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(["First", "Second", "Third"], await NamesAsync(shortUuid));
        await (await _owner.Http.PostAsJsonAsync($"/api/v1/video-playlists/{shortUuid}/videos/reorder", new { startPosition = 3, insertAfterPosition = 9 }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        await (await _owner.Http.PutAsJsonAsync($"/api/v1/video-playlists/{shortUuid}/videos/{e2}", new { startTimestamp = 2, stopTimestamp = 3 }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _owner.Http.DeleteAsync($"/api/v1/video-playlists/{shortUuid}/videos/{e1}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var elements = await ElementsAsync(_anonymous, shortUuid);
        Assert.Equal([1, 2], elements.Select(e => e.GetProperty("position").GetInt32()));
        Assert.Equal(2, elements[0].GetProperty("startTimestamp").GetInt32());
        Assert.Equal(3, elements[0].GetProperty("stopTimestamp").GetInt32());

        await (await _owner.Http.PutAsJsonAsync($"/api/v1/video-playlists/{shortUuid}", new { displayName = "Long road trip" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var onAccount = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/curator/video-playlists");
        Assert.Equal(["Long road trip"], onAccount.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("displayName").GetString()));
        var onChannel = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/curator_channel/video-playlists");
        Assert.Equal(1, onChannel.GetProperty("total").GetInt32());

        // The owner's own list holds the watch-later list too, which stays private and cannot be deleted.
        var mine = await _owner.Http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/curator/video-playlists");
        var watchLater = mine.GetProperty("data").EnumerateArray().Single(p => p.GetProperty("type").GetProperty("id").GetInt32() == 2);
        Assert.Equal(3, watchLater.GetProperty("privacy").GetProperty("id").GetInt32());
        var watchLaterId = watchLater.GetProperty("id").GetInt32();
        await (await _owner.Http.DeleteAsync($"/api/v1/video-playlists/{watchLaterId}")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/video-playlists/{watchLaterId}", new { privacy = 1, videoChannelId = channelId }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var saved = await AddAsync(_owner, watchLaterId.ToString(System.Globalization.CultureInfo.InvariantCulture), first);

        var exist = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/video-playlists/videos-exist?videoIds={first}&videoIds={second}");
        Assert.Equal(saved, exist.GetProperty(first.ToString(System.Globalization.CultureInfo.InvariantCulture))[0].GetProperty("playlistElementId").GetInt32());
        Assert.Equal(watchLaterId, exist.GetProperty(first.ToString(System.Globalization.CultureInfo.InvariantCulture))[0].GetProperty("playlistId").GetInt32());
        Assert.Equal(1, exist.GetProperty(second.ToString(System.Globalization.CultureInfo.InvariantCulture)).GetArrayLength());

        await (await _owner.Http.DeleteAsync($"/api/v1/video-playlists/{shortUuid}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _anonymous.GetAsync($"/api/v1/video-playlists/{shortUuid}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Every_change_is_refused_to_another_user_and_to_anonymous_and_private_content_never_shows()
    {
        var channelId = await _owner.MyChannelIdAsync();
        var publicList = await CreateAsync(_owner, new { displayName = "Public list", privacy = 1, videoChannelId = channelId });
        var privateList = await CreateAsync(_owner, new { displayName = "Secret list", privacy = 3 });
        var unlisted = await CreateAsync(_owner, new { displayName = "Unlisted list", privacy = 2, videoChannelId = channelId });
        var shown = await UploadAsync(_owner, "Shown");
        var hidden = await UploadAsync(_owner, "Hidden", new Dictionary<string, string> { ["privacy"] = "3" });
        var element = await AddAsync(_owner, publicList.Uuid, shown);
        await AddAsync(_owner, publicList.Uuid, hidden);
        await AddAsync(_owner, privateList.Uuid, hidden);

        // Another user's private video cannot be put in one's own list.
        var strangersList = await CreateAsync(_stranger, new { displayName = "Mine", privacy = 3 });
        await (await _stranger.Http.PostAsJsonAsync($"/api/v1/video-playlists/{strangersList.Uuid}/videos", new { videoId = hidden }))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        var changes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Put, $"/api/v1/video-playlists/{publicList.Uuid}", new { displayName = "Hijacked" }),
            (HttpMethod.Delete, $"/api/v1/video-playlists/{publicList.Uuid}", null),
            (HttpMethod.Post, $"/api/v1/video-playlists/{publicList.Uuid}/videos", new { videoId = shown }),
            (HttpMethod.Post, $"/api/v1/video-playlists/{publicList.Uuid}/videos/reorder", new { startPosition = 2, insertAfterPosition = 0 }),
            (HttpMethod.Put, $"/api/v1/video-playlists/{publicList.Uuid}/videos/{element}", new { startTimestamp = 1 }),
            (HttpMethod.Delete, $"/api/v1/video-playlists/{publicList.Uuid}/videos/{element}", null),
        };
        foreach (var (method, path, body) in changes)
        {
            await (await SendAsync(_stranger.Http, method, path, body)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
            await (await SendAsync(_anonymous, method, path, body)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        }

        await (await SendAsync(_anonymous, HttpMethod.Post, "/api/v1/video-playlists", new { displayName = "x", privacy = 3 })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await _anonymous.GetAsync($"/api/v1/users/me/video-playlists/videos-exist?videoIds={shown}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);

        // The private video stays in the public list as PeerTube shows it: an element of type 2 (private), no video.
        foreach (var viewer in new[] { _anonymous, _stranger.Http })
        {
            var elements = await ElementsAsync(viewer, publicList.Uuid);
            Assert.Equal([0, 2], elements.Select(e => e.GetProperty("type").GetInt32()));
            Assert.Equal(JsonValueKind.Null, elements[1].GetProperty("video").ValueKind);
            Assert.DoesNotContain("Hidden", string.Join("", elements.Select(e => e.GetRawText())), StringComparison.Ordinal);

            await (await viewer.GetAsync($"/api/v1/video-playlists/{privateList.Uuid}")).ShouldHaveStatusAsync(viewer == _anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden);
            await (await viewer.GetAsync($"/api/v1/video-playlists/{privateList.Uuid}/videos")).ShouldHaveStatusAsync(viewer == _anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden);
            // Unlisted: by its uuid only.
            await (await viewer.GetAsync($"/api/v1/video-playlists/{unlisted.Uuid}")).ShouldHaveStatusAsync(HttpStatusCode.OK);
            await (await viewer.GetAsync($"/api/v1/video-playlists/{unlisted.Id}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

            var lists = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/accounts/curator/video-playlists");
            Assert.DoesNotContain(lists.GetProperty("data").EnumerateArray(), p => p.GetProperty("privacy").GetProperty("id").GetInt32() != 1);
            var all = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/video-playlists?count=100");
            Assert.DoesNotContain(all.GetProperty("data").EnumerateArray(), p => p.GetProperty("privacy").GetProperty("id").GetInt32() != 1);

            // Its ActivityPub object is not served either.
            using var ap = new HttpRequestMessage(HttpMethod.Get, $"/video-playlists/{privateList.Uuid}");
            ap.Headers.Accept.ParseAdd("application/activity+json");
            await (await viewer.SendAsync(ap)).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        }

        // Nor do the pages: the private list's page and embed ask to sign in, and the public list's page and embed leave the
        // private video out.
        await (await _anonymous.GetAsync($"/w/p/{privateList.Uuid}")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await _anonymous.GetAsync($"/video-playlists/embed/{privateList.Uuid}")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        foreach (var path in new[] { $"/w/p/{publicList.Uuid}", $"/video-playlists/embed/{publicList.Uuid}" })
        {
            var html = await _anonymous.GetStringAsync(path);
            Assert.Contains("Shown", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Hidden", html, StringComparison.Ordinal);
        }

        // The owner sees both, and the admin may manage it (PeerTube's UPDATE_ANY_VIDEO_PLAYLIST).
        Assert.Equal([0, 0], (await ElementsAsync(_owner.Http, publicList.Uuid)).Select(e => e.GetProperty("type").GetInt32()));
        await (await _root.Http.PutAsJsonAsync($"/api/v1/video-playlists/{publicList.Uuid}", new { description = "Moderated" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        // The public playlist's ActivityPub page lists only the public video's element.
        using var page = new HttpRequestMessage(HttpMethod.Get, $"/video-playlists/{publicList.Uuid}?page=1");
        page.Headers.Accept.ParseAdd("application/activity+json");
        var collection = await (await _anonymous.SendAsync(page)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, collection.GetProperty("totalItems").GetInt32());
        var elementUrl = Assert.Single(collection.GetProperty("orderedItems").EnumerateArray()).GetString()!;
        using var elementRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(elementUrl).PathAndQuery);
        elementRequest.Headers.Accept.ParseAdd("application/activity+json");
        var elementObject = await (await _anonymous.SendAsync(elementRequest)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("PlaylistElement", elementObject.GetProperty("type").GetString());
    }

    private static async Task<int> UploadAsync(PeerTubeClient client, string name, IDictionary<string, string>? fields = null) =>
        (await client.UploadVideoAsync(await TestMedia.VideoAsync(seconds: 1), name, fields)).GetProperty("id").GetInt32();

    private static async Task<(int Id, string Uuid)> CreateAsync(PeerTubeClient client, object body)
    {
        var response = await client.Http.PostAsJsonAsync("/api/v1/video-playlists", body);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var created = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("videoPlaylist");
        return (created.GetProperty("id").GetInt32(), created.GetProperty("uuid").GetString()!);
    }

    private static async Task<int> AddAsync(PeerTubeClient client, string playlist, int videoId, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["videoId"] = videoId };
        foreach (var p in extra is null ? [] : JsonSerializer.SerializeToElement(extra).EnumerateObject())
        {
            body[p.Name] = p.Value;
        }

        var response = await client.Http.PostAsJsonAsync($"/api/v1/video-playlists/{playlist}/videos", body);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("videoPlaylistElement").GetProperty("id").GetInt32();
    }

    private static async Task<List<JsonElement>> ElementsAsync(HttpClient client, string playlist) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/video-playlists/{playlist}/videos")).GetProperty("data").EnumerateArray().ToList();

    private async Task<List<string?>> NamesAsync(string playlist) =>
        (await ElementsAsync(_anonymous, playlist)).Select(e => e.GetProperty("video").GetProperty("name").GetString()).ToList();

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        return client.SendAsync(request);
    }
}
