using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Moderation;

/// <summary>
/// Issue 17, "subscribed blocklists": instance A subscribes to instance B's public blocklist. What B blocks, A blocks
/// after its next refresh, marked with the subscription; what B unblocks, A unblocks; ending the subscription lifts its blocks.
/// </summary>
public sealed class BlocklistSubscriptionTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance(new Dictionary<string, string> { ["Moderation:Blocklists:RefreshIntervalSeconds"] = "1" });
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_blocklist_subscribed_from_another_instance_blocks_here_after_a_refresh()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await (await rootB.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "spam.example" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        // Only moderators subscribe; a URL that is not a blocklist is refused with a reason.
        var user = await FederationTestKit.CreateUserAsync(rootA, _a, "plain");
        var listUrl = $"{_b.BaseUrl}/api/v1/server/blocklist/public-log";
        await (await user.Http.PostAsJsonAsync("/api/v1/server/blocklist/subscriptions", new { url = listUrl })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await rootA.Http.PostAsJsonAsync("/api/v1/server/blocklist/subscriptions", new { url = $"{_b.BaseUrl}/api/v1/config" }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_blocklist");

        var added = await rootA.Http.PostAsJsonAsync("/api/v1/server/blocklist/subscriptions", new { url = listUrl });
        await added.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var subscription = await added.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, subscription.GetProperty("mutedServersCount").GetInt32());
        await (await rootA.Http.PostAsJsonAsync("/api/v1/server/blocklist/subscriptions", new { url = listUrl })).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);

        async Task<Dictionary<string, string?>> BlockedOnAAsync() =>
            (await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/blocklist/servers")).GetProperty("data").EnumerateArray()
            .ToDictionary(b => b.GetProperty("blockedServer").GetProperty("host").GetString()!,
                b => b.GetProperty("blocklistSubscription").ValueKind == JsonValueKind.Object ? b.GetProperty("blocklistSubscription").GetProperty("url").GetString() : null);
        Assert.Equal(listUrl, (await BlockedOnAAsync())["spam.example"]);

        // B blocks another host and lifts the first; A follows on its next refresh.
        await (await rootB.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "worse.example:8443" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await rootB.Http.DeleteAsync("/api/v1/server/blocklist/servers/spam.example")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var blocked = await BlockedOnAAsync();
            return blocked.ContainsKey("worse.example:8443") && !blocked.ContainsKey("spam.example");
        }, "A to apply B's newer actions", _a, _b);

        // A block A's moderator made by hand is not the subscription's to lift.
        await (await rootA.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "own.example" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var status = await _a.Anonymous().Http.GetFromJsonAsync<JsonElement>("/api/v1/blocklist/status?hosts=worse.example:8443");
        Assert.Equal(subscription.GetProperty("name").GetString(), status.GetProperty("hosts").GetProperty("worse.example:8443").GetProperty("blockedByServerSubscription").GetString());

        var id = subscription.GetProperty("id").GetInt32();
        await (await user.Http.DeleteAsync($"/api/v1/server/blocklist/subscriptions/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await rootA.Http.DeleteAsync($"/api/v1/server/blocklist/subscriptions/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(["own.example"], (await BlockedOnAAsync()).Keys);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
