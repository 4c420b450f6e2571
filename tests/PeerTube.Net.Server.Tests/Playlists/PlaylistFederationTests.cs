using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Playlists;

/// <summary>
/// Playlists between instances: one of ours follows another's channel and gets its public playlist (not its private one,
/// nor the private video inside the public one); a PeerTube Playlist as PeerTube sends it is taken in, and only its owner
/// may delete it.
/// </summary>
public sealed class PlaylistFederationTests : IAsyncDisposable
{
    private ServerProcess? _a;
    private ServerProcess? _b;
    private ServerApplication? _server;
    private readonly FakeRemote _peertube = new();

    [Fact]
    public async Task A_public_playlist_of_a_followed_channel_arrives_on_the_follower_without_what_is_private()
    {
        _a = FederationTestKit.Instance();
        _b = FederationTestKit.Instance();
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);

        var published = await rootA.PublishAsync("In the list");
        var uuid = published.GetProperty("uuid").GetString()!;
        var onB = _b.Anonymous();
        await FederationTestKit.EventuallyAsync(() => onB.ListedAsync(uuid), "the video to be listed on B", _a, _b);
        var secret = await rootA.UploadVideoAsync(await TestMedia.VideoAsync(seconds: 1), "Secret", new Dictionary<string, string> { ["privacy"] = "3" });

        var channelId = await rootA.MyChannelIdAsync();
        var hidden = await CreateAsync(rootA, new { displayName = "Not for B", privacy = 3 });
        var shared = await CreateAsync(rootA, new { displayName = "Shared list", description = "From **A**.", privacy = 1, videoChannelId = channelId });
        await (await rootA.Http.PostAsJsonAsync($"/api/v1/video-playlists/{shared}/videos", new { videoId = published.GetProperty("id").GetInt32() })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await rootA.Http.PostAsJsonAsync($"/api/v1/video-playlists/{shared}/videos", new { videoId = secret.GetProperty("id").GetInt32() })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await rootA.Http.PostAsJsonAsync($"/api/v1/video-playlists/{hidden}/videos", new { videoId = published.GetProperty("id").GetInt32() })).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var path = $"/api/v1/video-channels/root_channel@{_a.Host()}/video-playlists";
        var arrived = (await FederationTestKit.EventuallyAsync(async () =>
        {
            var list = await onB.Http.GetFromJsonAsync<JsonElement>(path);
            return list.GetProperty("data").EnumerateArray().Where(p => p.GetProperty("uuid").GetString() == shared && p.GetProperty("videosLength").GetInt32() == 1)
                .Select(p => (JsonElement?)p).FirstOrDefault();
        }, "the playlist and its public element to arrive on B", _a, _b))!.Value;
        Assert.Equal("Shared list", arrived.GetProperty("displayName").GetString());
        Assert.Equal("From **A**.", arrived.GetProperty("description").GetString());
        Assert.False(arrived.GetProperty("isLocal").GetBoolean());
        Assert.Equal($"{_a.BaseUrl}/video-playlists/{shared}", arrived.GetProperty("url").GetString());

        var element = Assert.Single((await onB.Http.GetFromJsonAsync<JsonElement>($"/api/v1/video-playlists/{shared}/videos")).GetProperty("data").EnumerateArray());
        Assert.Equal(uuid, element.GetProperty("video").GetProperty("uuid").GetString());
        var all = await onB.Http.GetFromJsonAsync<JsonElement>("/api/v1/video-playlists?count=100");
        Assert.DoesNotContain(all.GetProperty("data").EnumerateArray(), p => p.GetProperty("uuid").GetString() == hidden);
        await (await onB.Http.GetAsync($"/api/v1/video-playlists/{hidden}")).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        // B's users cannot change A's playlist here, even B's admin.
        await (await rootB.Http.PutAsJsonAsync($"/api/v1/video-playlists/{shared}", new { displayName = "Taken over" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        await (await rootA.Http.DeleteAsync($"/api/v1/video-playlists/{shared}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await onB.Http.GetAsync($"/api/v1/video-playlists/{shared}")).StatusCode == HttpStatusCode.NotFound,
            "the playlist to be gone from B", _a, _b);
    }

    [Fact]
    public async Task A_PeerTube_playlist_is_taken_in_with_the_elements_we_hold_and_only_its_owner_deletes_it()
    {
        const string playlistUuid = "5a6a0c1e-2b3d-4c4f-9d8e-7f6a5b4c3d2e";
        // On PostgreSQL, so the playlists' migration and queries run on both providers (the API tests use SQLite).
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        using var http = _server.CreateClient();
        _peertube.Serve("/accounts/chocobozzz", FederationTestKit.Fixture("peertube/person.json"));
        _peertube.Serve("/video-channels/chocobozzz_channel", FederationTestKit.Fixture("peertube/group.json"));
        _peertube.Serve("/accounts/peertube", FederationTestKit.Fixture("peertube/application.json"));
        _peertube.Person("mallory");
        var playlistPath = $"/video-playlists/{playlistUuid}";
        _peertube.Serve(playlistPath + "?page=1", FederationTestKit.Fixture("peertube/playlist-page.json"));
        _peertube.Serve(playlistPath + "/videos/81", FederationTestKit.Fixture("peertube/playlist-element-81.json"));
        _peertube.Serve(playlistPath + "/videos/82", FederationTestKit.Fixture("peertube/playlist-element-82.json"));
        await _server.FollowedAsync($"{_peertube.BaseUrl}/video-channels/chocobozzz_channel");

        await ReplayAsync(http, "peertube/create-video.json", "/accounts/chocobozzz");
        await ReplayAsync(http, "peertube/create-playlist.json", "/accounts/chocobozzz");

        var anonymous = PeerTubeClient.Anonymous(_server);
        var playlist = await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/video-playlists/{playlistUuid}");
        Assert.Equal("Walks of the year", playlist.GetProperty("displayName").GetString());
        Assert.Equal("Every **walk** we filmed.", playlist.GetProperty("description").GetString());
        Assert.Equal(1, playlist.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.Equal("chocobozzz_channel", playlist.GetProperty("videoChannel").GetProperty("name").GetString());
        Assert.Equal(_peertube.Host, playlist.GetProperty("ownerAccount").GetProperty("host").GetString());
        Assert.Equal(1, playlist.GetProperty("videosLength").GetInt32()); // Element 82 names a video we do not hold.
        var element = Assert.Single((await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/video-playlists/{playlistUuid}/videos")).GetProperty("data").EnumerateArray());
        Assert.Equal("942d51e6-9320-4f40-980b-76bba0652bc2", element.GetProperty("video").GetProperty("uuid").GetString());
        Assert.Equal(12, element.GetProperty("startTimestamp").GetInt32());
        Assert.Equal(95, element.GetProperty("stopTimestamp").GetInt32());
        var onChannel = await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/video-channels/chocobozzz_channel@{_peertube.Host}/video-playlists");
        Assert.Equal(1, onChannel.GetProperty("total").GetInt32());

        // Another actor of the same host may not delete it; its owner may.
        var byMallory = await ReplayAsync(http, "peertube/delete-playlist.json", "/users/mallory", expectUsed: false,
            edit: json => json.Replace("{{base}}/accounts/chocobozzz\",\n  \"object\"", "{{base}}/users/mallory\",\n  \"object\"", StringComparison.Ordinal)
                .Replace("/delete\"", "/delete-by-mallory\"", StringComparison.Ordinal));
        Assert.NotNull(byMallory);
        await (await anonymous.Http.GetAsync($"/api/v1/video-playlists/{playlistUuid}")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await ReplayAsync(http, "peertube/delete-playlist.json", "/accounts/chocobozzz");
        await (await anonymous.Http.GetAsync($"/api/v1/video-playlists/{playlistUuid}")).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    private static async Task<string> CreateAsync(PeerTubeClient client, object body)
    {
        var response = await client.Http.PostAsJsonAsync("/api/v1/video-playlists", body);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("videoPlaylist").GetProperty("uuid").GetString()!;
    }

    /// <returns>Why the activity was not used, or null when it was.</returns>
    private async Task<string?> ReplayAsync(HttpClient http, string fixture, string actorPath, bool expectUsed = true, Func<string, string>? edit = null)
    {
        var json = FederationTestKit.Fixture(fixture);
        json = edit?.Invoke(json) ?? json;
        var response = await _peertube.PostAsync("http://localhost/inbox", json, $"{_peertube.BaseUrl}{actorPath}#main-key", via: http);
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var id = JsonDocument.Parse(_peertube.Expand(json)).RootElement.GetProperty("id").GetString()!;
        var row = await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = _server!.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.InboxActivities.AsNoTracking().FirstOrDefaultAsync(a => a.ActivityId == id && a.ProcessedAt != null);
        }, $"{fixture} to be processed");
        if (expectUsed)
        {
            Assert.True(row.Error is null, $"{fixture} was stored but not used: {row.Error}");
        }

        return row.Error;
    }

    public async ValueTask DisposeAsync()
    {
        await _peertube.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }
    }
}
