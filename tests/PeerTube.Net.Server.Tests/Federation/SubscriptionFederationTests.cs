using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Issue 18, across two instances. Carol, on B, subscribes to a channel of A: her account follows it, A accepts, and A's
/// new video is in her feed. The video needs approval for comments (policy 3): a local comment held on A does not reach B
/// until A's creator approves it, and carol's comment from B is held on A too. Carol unsubscribes: A hears the Undo.
/// </summary>
public sealed class SubscriptionFederationTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_remote_subscription_brings_the_videos_and_held_comments_cross_only_once_approved()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        var dave = await rootA.CreateUserAsync(_a, "dave");
        var carol = await rootB.CreateUserAsync(_b, "carol");
        var anonymousA = _a.Anonymous();
        var handle = $"root_channel@{_a.Host()}";

        // Carol subscribes from B: a Follow from her account, accepted by A.
        await (await carol.Http.PostAsJsonAsync("/api/v1/users/me/subscriptions", new { uri = handle })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var followers = await anonymousA.Http.GetFromJsonAsync<JsonElement>("/video-channels/root_channel/followers?page=1");
            return followers.GetProperty("orderedItems").EnumerateArray().Any(f => f.GetString()!.EndsWith("/accounts/carol", StringComparison.Ordinal));
        }, "carol@B to follow root_channel on A", _a, _b);
        var exist = await carol.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/subscriptions/exist?uris={Uri.EscapeDataString(handle)}");
        Assert.True(exist.GetProperty(handle).GetBoolean());

        // A publishes; the video reaches B and carol's feed (and only hers: B's instance follows nobody).
        var published = await rootA.PublishAsync("Reviewed talk", new Dictionary<string, string> { ["commentsPolicy"] = "3" });
        var uuid = published.GetProperty("uuid").GetString()!;
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var feed = await carol.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/subscriptions/videos");
            return feed.GetProperty("data").EnumerateArray().Any(v => v.GetProperty("uuid").GetString() == uuid);
        }, "A's video in carol's subscription feed on B", _a, _b);

        // Dave's comment on A is held: not announced. The creator's own comment is, and arrives on B alone.
        var daves = await dave.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Held on A" });
        var davesId = (await daves.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("comment").GetProperty("id").GetInt32();
        await (await rootA.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Creator speaking" })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        var onB = await FederationTestKit.EventuallyAsync(async () =>
        {
            var threads = await carol.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
            return threads.GetProperty("data").EnumerateArray().Any(c => c.GetProperty("text").GetString() == "Creator speaking") ? threads.GetRawText() : null;
        }, "the creator's comment on B", _a, _b);
        Assert.DoesNotContain("Held on A", onB, StringComparison.Ordinal);

        // Carol's comment from B is held on A: the creator sees it, anonymous viewers of A do not.
        await (await carol.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Hello from B" })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        var carolsOnA = await FederationTestKit.EventuallyAsync(async () =>
        {
            var threads = await rootA.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
            return threads.GetProperty("data").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("text").GetString()!.Contains("Hello from B"));
        }, "carol's comment held on A", _a, _b);
        Assert.True(carolsOnA!.Value.GetProperty("heldForReview").GetBoolean());
        Assert.DoesNotContain("Hello from B", (await anonymousA.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetRawText(),
            StringComparison.Ordinal);

        // Approved on A: dave's comment goes out and reaches B.
        await (await rootA.Http.PostAsync($"/api/v1/videos/{uuid}/comments/{davesId}/approve", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
            (await carol.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetRawText().Contains("Held on A", StringComparison.Ordinal),
            "dave's approved comment on B", _a, _b);

        // Carol unsubscribes: the Undo removes her from the channel's followers on A.
        await (await carol.Http.DeleteAsync($"/api/v1/users/me/subscriptions/{Uri.EscapeDataString(handle)}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
            (await anonymousA.Http.GetFromJsonAsync<JsonElement>("/video-channels/root_channel/followers")).GetProperty("totalItems").GetInt32() == 0,
            "carol's Undo to reach A", _a, _b);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
