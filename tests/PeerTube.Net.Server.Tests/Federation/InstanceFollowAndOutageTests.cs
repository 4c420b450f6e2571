using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>Whole-instance follows bring the back catalogue; a partner that is down gets what it missed when it returns.</summary>
public sealed class InstanceFollowAndOutageTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();
    private readonly ServerProcess _c = FederationTestKit.Instance();

    [Fact]
    public async Task An_instance_that_follows_another_gets_the_videos_it_already_had()
    {
        await Task.WhenAll(_a.StartAsync(), _c.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var alice = await CreateUserAsync(rootA, _a, "alice");
        var first = await rootA.PublishAsync("Before the follow, by root");
        var second = await alice.PublishAsync("Before the follow, by alice");

        var rootC = await _c.LoginAsRootAsync();
        await rootC.FollowAsync(_a.Host(), _a, _c);

        var onC = _c.Anonymous();
        foreach (var video in new[] { first, second })
        {
            var uuid = video.GetProperty("uuid").GetString()!;
            var listed = (await FederationTestKit.EventuallyAsync(() => onC.ListedAsync(uuid), $"{uuid} to be listed on C", _a, _c))!.Value;
            Assert.Equal(video.GetProperty("name").GetString(), listed.GetProperty("name").GetString());
            Assert.Equal(_a.Host(), listed.GetProperty("channel").GetProperty("host").GetString());
        }

        // And what A publishes after the follow, too.
        var third = await alice.PublishAsync("After the follow");
        await FederationTestKit.EventuallyAsync(() => onC.ListedAsync(third.GetProperty("uuid").GetString()!), "the new video to reach C", _a, _c);

        // A lists C as a follower of the instance; C unfollows, and A forgets it.
        var followers = await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/followers");
        Assert.Equal(_c.Host(), Assert.Single(followers.GetProperty("data").EnumerateArray()).GetProperty("follower").GetProperty("host").GetString());
        var unfollow = await rootC.Http.DeleteAsync($"/api/v1/server/following/{_a.Host()}");
        await unfollow.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
                (await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/followers")).GetProperty("total").GetInt32() == 0,
            "A to forget its follower", _a, _c);
    }

    [Fact]
    public async Task Deliveries_queued_while_a_partner_is_down_arrive_when_it_comes_back()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootA.FollowAsync($"root_channel@{_b.Host()}", _a, _b);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _a.KillAsync();
        var published = await rootB.PublishAsync("Published while A was down");
        var update = await rootB.Http.PutAsJsonAsync($"/api/v1/videos/{published.GetProperty("uuid").GetString()}", new { name = "Renamed while A was down" });
        await update.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        // Give B's queue time to fail a few attempts against the closed port.
        await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);

        TestContext.Current.TestOutputHelper?.WriteLine($"published and updated on B at {clock.Elapsed}");
        await _a.StartAsync();
        TestContext.Current.TestOutputHelper?.WriteLine($"A restarted at {clock.Elapsed}");
        var onA = _a.Anonymous();
        var uuid = published.GetProperty("uuid").GetString()!;
        var arrived = (await FederationTestKit.EventuallyAsync(() => onA.ListedAsync(uuid), "B's video to reach A after its restart", _a, _b))!.Value;
        TestContext.Current.TestOutputHelper?.WriteLine($"video on A at {clock.Elapsed}");
        await FederationTestKit.EventuallyAsync(async () => (await onA.GetVideoAsync(uuid)).GetProperty("name").GetString() == "Renamed while A was down",
            "the update to reach A too", _a, _b);
        TestContext.Current.TestOutputHelper?.WriteLine($"update on A at {clock.Elapsed}");
        Assert.False(arrived.GetProperty("isLocal").GetBoolean());
    }

    private static async Task<PeerTubeClient> CreateUserAsync(PeerTubeClient admin, ServerProcess server, string username)
    {
        var response = await admin.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username, password = username + "-password", email = $"{username}@example.test", role = 2, videoQuota = -1, videoQuotaDaily = -1,
        });
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var token = await PeerTubeClient.RequestTokenAsync(http, username, username + "-password");
        await token.ShouldHaveStatusAsync(HttpStatusCode.OK);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        return new PeerTubeClient(http);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
    }
}
