using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Engagement;

/// <summary>
/// Issue 18: PeerTube's /api/v1/users/me/subscriptions on one instance: bob subscribes to alice's channel, sees it in his
/// list and his feed, and unsubscribes; nobody does any of it anonymously, and bad handles are refused.
/// </summary>
public sealed class SubscriptionsApiTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_user_subscribes_to_a_channel_reads_its_videos_in_the_feed_and_unsubscribes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var alice = await root.CreateUserAndLoginAsync(_server, "alice");
        using var bob = await root.CreateUserAndLoginAsync(_server, "bob");
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var host = (await alice.WaitForTranscodingAsync((await alice.UploadVideoAsync(await TestMedia.VideoAsync(), "Alice first video")).GetProperty("id").GetInt32()))
            .GetProperty("channel").GetProperty("host").GetString();
        var handle = $"alice_channel@{host}";
        await root.UploadVideoAsync(await TestMedia.VideoAsync(), "Not followed");

        foreach (var request in new[]
                 {
                     anonymous.Http.GetAsync("/api/v1/users/me/subscriptions", ct),
                     anonymous.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = handle }, ct),
                     anonymous.Http.GetAsync($"/api/v1/users/me/subscriptions/exist?uris={handle}", ct),
                     anonymous.Http.GetAsync("/api/v1/users/me/subscriptions/videos", ct),
                     anonymous.Http.DeleteAsync($"/api/v1/users/me/subscriptions/{handle}", ct),
                 })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await request).StatusCode);
        }

        await (await bob.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = "not a handle@" }, ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await bob.Http.PostAsync("/api/v1/users/me/subscriptions", new StringContent("{", System.Text.Encoding.UTF8, "application/json"), ct))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await bob.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = $"nobody_channel@{host}" }, ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await bob.Http.DeleteAsync($"/api/v1/users/me/subscriptions/{handle}", ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.False((await ExistAsync(bob, handle)).GetProperty(handle).GetBoolean());

        await (await bob.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = handle }, ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await bob.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = handle }, ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.True((await ExistAsync(bob, handle)).GetProperty(handle).GetBoolean());
        Assert.False((await ExistAsync(alice, handle)).GetProperty(handle).GetBoolean());
        var mine = await bob.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/subscriptions", ct);
        Assert.Equal(1, mine.GetProperty("total").GetInt32());
        Assert.Equal("alice_channel", mine.GetProperty("data")[0].GetProperty("name").GetString());
        var one = await bob.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/subscriptions/{handle}", ct);
        Assert.Equal("alice_channel", one.GetProperty("name").GetString());

        var feed = await bob.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/subscriptions/videos", ct);
        Assert.Equal(["Alice first video"], feed.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
        Assert.Contains("Alice first video", await bob.Http.GetStringAsync("/videos/subscriptions", ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.Http.GetAsync("/videos/subscriptions", ct)).StatusCode);

        await (await bob.Http.DeleteAsync($"/api/v1/users/me/subscriptions/{handle}", ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.False((await ExistAsync(bob, handle)).GetProperty(handle).GetBoolean());
        Assert.Equal(0, (await bob.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/subscriptions/videos", ct)).GetProperty("total").GetInt32());
    }

    private static Task<JsonElement> ExistAsync(PeerTubeClient client, string handle) =>
        client.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/subscriptions/exist?uris={Uri.EscapeDataString(handle)}", TestContext.Current.CancellationToken);
}
