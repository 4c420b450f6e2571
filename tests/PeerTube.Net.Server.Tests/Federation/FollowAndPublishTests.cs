using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Two of our instances on loopback ports. B follows a channel of A; what A publishes in it appears on B, with A's
/// metadata and A's files, and A's later updates and deletions follow it there.
/// </summary>
public sealed class FollowAndPublishTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_video_published_in_a_followed_channel_appears_on_the_follower_and_follows_its_updates_and_deletion()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();

        // B's admin follows root's default channel on A.
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);
        var followers = await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/followers");
        var follower = Assert.Single(followers.GetProperty("data").EnumerateArray());
        Assert.Equal(_b.Host(), follower.GetProperty("follower").GetProperty("host").GetString());
        Assert.Equal("root_channel", follower.GetProperty("following").GetProperty("name").GetString());

        // A publishes; B lists it.
        var published = await rootA.PublishAsync("Federated on arrival", new Dictionary<string, string>
        {
            ["description"] = "Made on **A**.", ["tags[0]"] = "loopback", ["category"] = "15", ["licence"] = "1", ["language"] = "en",
        });
        var uuid = published.GetProperty("uuid").GetString()!;
        var onB = B();
        var listed = (await FederationTestKit.EventuallyAsync(() => onB.ListedAsync(uuid), "the video to be listed on B", _a, _b))!.Value;
        Assert.False(listed.GetProperty("isLocal").GetBoolean());
        Assert.Equal("Federated on arrival", listed.GetProperty("name").GetString());
        Assert.Equal(_a.Host(), listed.GetProperty("channel").GetProperty("host").GetString());
        Assert.Equal(_a.Host(), listed.GetProperty("account").GetProperty("host").GetString());
        Assert.Equal(published.GetProperty("duration").GetInt32(), listed.GetProperty("duration").GetInt32());

        var video = await onB.GetVideoAsync(uuid);
        Assert.Equal("Made on **A**.", video.GetProperty("description").GetString());
        Assert.Equal(["loopback"], video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(15, video.GetProperty("category").GetProperty("id").GetInt32());
        Assert.Equal("en", video.GetProperty("language").GetProperty("id").GetString());
        Assert.Equal($"{_a.BaseUrl}/videos/watch/{uuid}", video.GetProperty("url").GetString());

        // B plays it from A's files: the playlist B gives is A's, and it is there.
        var playlist = video.GetProperty("streamingPlaylists")[0];
        var master = playlist.GetProperty("playlistUrl").GetString()!;
        Assert.StartsWith($"{_a.BaseUrl}/static/streaming-playlists/hls/{uuid}/", master);
        Assert.Equal(published.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString(), master);
        using var anyone = new HttpClient();
        Assert.Contains("#EXTM3U", await anyone.GetStringAsync(master));
        var files = playlist.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(published.GetProperty("streamingPlaylists")[0].GetProperty("files").GetArrayLength(), files.Count);
        foreach (var file in files)
        {
            Assert.StartsWith(_a.BaseUrl, file.GetProperty("fileUrl").GetString());
            var head = await anyone.SendAsync(new HttpRequestMessage(HttpMethod.Head, file.GetProperty("fileUrl").GetString()));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        // Its watch page on B is there.
        var page = await onB.Http.GetAsync($"/w/{video.GetProperty("shortUUID").GetString()}");
        await page.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Contains("Federated on arrival", await page.Content.ReadAsStringAsync());

        // B's viewers of it share its segments among themselves: B's swarm hub knows its swarms, named as A names them.
        var swarms = playlist.GetProperty("p2pMediaLoaderInfohashes").EnumerateArray().Select(h => h.GetString()!).ToList();
        Assert.Equal(published.GetProperty("streamingPlaylists")[0].GetProperty("p2pMediaLoaderInfohashes").EnumerateArray().Select(h => h.GetString()), swarms);
        await using (var first = await SwarmViewerAsync())
        await using (var second = await SwarmViewerAsync())
        {
            var one = await first.InvokeAsync<JsonElement>("Join", swarms[0]);
            var two = await second.InvokeAsync<JsonElement>("Join", swarms[0]);
            Assert.Equal([one.GetProperty("peerId").GetString()], two.GetProperty("peers").EnumerateArray().Select(p => p.GetString()));
        }

        // An update on A reaches B.
        var update = await rootA.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}", new { name = "Renamed on A", description = "Second version" });
        await update.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await onB.GetVideoAsync(uuid)).GetProperty("name").GetString() == "Renamed on A",
            "the update to reach B", _a, _b);
        Assert.Equal("Second version", (await onB.GetVideoAsync(uuid)).GetProperty("description").GetString());

        // B refuses to edit A's video, even for its admin.
        var foreignEdit = await rootB.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}", new { name = "Hijacked" });
        await foreignEdit.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        // A deletes it; B forgets it.
        var delete = await rootA.Http.DeleteAsync($"/api/v1/videos/{uuid}");
        await delete.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await onB.Http.GetAsync($"/api/v1/videos/{uuid}")).StatusCode == HttpStatusCode.NotFound,
            "the deletion to reach B", _a, _b);
        Assert.Null(await onB.ListedAsync(uuid));
    }

    private PeerTubeClient B() => _b.Anonymous();

    private async Task<HubConnection> SwarmViewerAsync()
    {
        var connection = new HubConnectionBuilder().WithUrl($"{_b.BaseUrl}/hubs/swarm").Build();
        await connection.StartAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
