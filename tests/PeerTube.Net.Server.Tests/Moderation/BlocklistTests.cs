using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Security;

namespace PeerTube.Net.Server.Tests.Moderation;

/// <summary>
/// Issue 17, "Blocklists, at two levels". A moderator blocks a remote host: its videos and comments leave the lists and
/// the home page, the follows with it end, and its inbox traffic is refused. A user mutes an account for themselves
/// only. Only moderators touch the instance's list; anyone may ask what is blocked.
/// </summary>
public sealed class BlocklistTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private FakePeerTube _host = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        _host = new FakePeerTube(_server).WithAccounts("alice", "bob");
    }

    [Fact]
    public async Task A_moderator_blocks_a_remote_server_and_its_videos_follows_and_inbox_traffic_go()
    {
        await _server.FollowedAsync(_host.InstanceActor);
        var uuid = Guid.NewGuid();
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), _host.Video(uuid, "Spam from afar", _host.Channel("alice"), 0, _host.Account("alice"))));
        var anonymous = PeerTubeClient.Anonymous(_server);
        Assert.NotNull(await anonymous.ListedAsync(uuid.ToString()));
        Assert.Contains("Spam from afar", await anonymous.Http.GetStringAsync("/"));

        // Neither a stranger nor a plain user may block for the instance.
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var user = await root.CreateUserAndLoginAsync(_server, "plain");
        var host = _host.Remote.Host;
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await user.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await user.Http.GetAsync("/api/v1/server/blocklist/servers")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.NotNull(await anonymous.ListedAsync(uuid.ToString()));

        // Bad input is a 400 naming the field; our own host is a 409.
        await (await root.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "not a host/at all" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await root.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "localhost" })).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);

        // The moderator blocks the host.
        await (await root.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Null(await anonymous.ListedAsync(uuid.ToString()));
        Assert.DoesNotContain("Spam from afar", await anonymous.Http.GetStringAsync("/"));
        Assert.Equal(0, await _host.QueryAsync(db => db.ActorFollows.CountAsync(f => f.Target!.Host == host || f.Follower!.Host == host)));

        var listed = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/blocklist/servers");
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        var entry = listed.GetProperty("data")[0];
        Assert.Equal(host, entry.GetProperty("blockedServer").GetProperty("host").GetString());
        Assert.Equal("peertube", entry.GetProperty("byAccount").GetProperty("name").GetString());

        // The moderation page lists it, for moderators only, and the menu leads there.
        var page = await BrowserPageAsync(root, "/admin/blocklist", HttpStatusCode.OK);
        Assert.NotNull(page.QuerySelector($"table.blocked-servers tr.blocked-server[data-host='{host}'] button.blocklist-unblock"));
        Assert.NotNull(page.QuerySelector("form#block-server-form input#block-server-host"));
        Assert.NotNull(page.QuerySelector("a#menu-blocklist[href='/admin/blocklist']"));
        await BrowserPageAsync(user, "/admin/blocklist", HttpStatusCode.Forbidden);
        Assert.Null((await BrowserPageAsync(user, "/", HttpStatusCode.OK)).QuerySelector("a#menu-blocklist"));

        // What it sends now is refused at the door, with PeerTube's kind of error.
        var create = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{_host.Account("alice")}/activities/{Guid.NewGuid():N}", ["type"] = "Create",
            ["actor"] = _host.Account("alice"), ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
            ["object"] = _host.Video(Guid.NewGuid(), "More spam", _host.Channel("alice"), 0, _host.Account("alice")),
        };
        using var via = _server.CreateClient();
        var refused = await _host.Remote.PostAsync("http://localhost/inbox", create.ToJsonString(), _host.Account("alice") + "#main-key", via: via);
        await refused.ShouldBeErrorAsync(HttpStatusCode.Forbidden, "blocked_by_server");

        // Anyone may ask what is blocked; the public log is what other instances subscribe to.
        var status = await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/blocklist/status?hosts={host}&hosts=elsewhere.example&accounts=alice@{host}");
        Assert.True(status.GetProperty("hosts").GetProperty(host).GetProperty("blockedByServer").GetBoolean());
        Assert.False(status.GetProperty("hosts").GetProperty("elsewhere.example").GetProperty("blockedByServer").GetBoolean());
        Assert.False(status.GetProperty("accounts").GetProperty($"alice@{host}").GetProperty("blockedByServer").GetBoolean());
        var log = await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/blocklist/public-log");
        var action = Assert.Single(log.GetProperty("actions").EnumerateArray());
        Assert.Equal(("block", host), (action.GetProperty("type").GetString(), action.GetProperty("target").GetString()));

        // Unblocked, the video is back (it was hidden, not deleted); a second unblock finds nothing.
        await (await user.Http.DeleteAsync($"/api/v1/server/blocklist/servers/{host}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.DeleteAsync($"/api/v1/server/blocklist/servers/{host}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.DeleteAsync($"/api/v1/server/blocklist/servers/{host}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.NotNull(await anonymous.ListedAsync(uuid.ToString()));
    }

    [Fact]
    public async Task A_user_mutes_an_account_and_a_host_for_themselves_only()
    {
        await _server.FollowedAsync(_host.InstanceActor);
        var uuid = Guid.NewGuid();
        var videoUrl = $"{_host.Base}/videos/watch/{uuid}";
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), _host.Video(uuid, "Alice talks", _host.Channel("alice"), 0, _host.Account("alice"))));
        Assert.Null(await _host.SendAsync("Create", _host.Account("bob"), new JsonObject
        {
            ["type"] = "Note", ["id"] = $"{videoUrl}/comments/1", ["attributedTo"] = _host.Account("bob"), ["inReplyTo"] = videoUrl,
            ["content"] = "Bob heckles", ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        }));

        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var viewer = await root.CreateUserAndLoginAsync(_server, "viewer");
        var anonymous = PeerTubeClient.Anonymous(_server);
        async Task<int> CommentsSeenByAsync(PeerTubeClient client) =>
            (await client.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("total").GetInt32();
        Assert.Equal(1, await CommentsSeenByAsync(viewer));

        // Anonymous has no list of its own; nobody blocks themselves; an unknown account is a 404.
        var bob = $"bob@{_host.Remote.Host}";
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/accounts", new { accountName = bob })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await viewer.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/accounts", new { accountName = "viewer" })).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        await (await viewer.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/accounts", new { accountName = "nobody@nowhere.example" })).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        // The viewer mutes Bob: his comment is gone for them, not for anyone else.
        await (await viewer.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/accounts", new { accountName = bob })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(0, await CommentsSeenByAsync(viewer));
        Assert.Equal(1, await CommentsSeenByAsync(anonymous));
        Assert.Equal(1, await CommentsSeenByAsync(root));
        var status = await viewer.Http.GetFromJsonAsync<JsonElement>($"/api/v1/blocklist/status?accounts={bob}");
        Assert.True(status.GetProperty("accounts").GetProperty(bob).GetProperty("blockedByUser").GetBoolean());
        Assert.False(status.GetProperty("accounts").GetProperty(bob).GetProperty("blockedByServer").GetBoolean());
        var mine = await viewer.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/blocklist/accounts");
        Assert.Equal(bob, mine.GetProperty("data")[0].GetProperty("blockedAccount").GetProperty("name").GetString() + "@" + _host.Remote.Host);
        Assert.Equal("viewer", mine.GetProperty("data")[0].GetProperty("byAccount").GetProperty("name").GetString());

        // Muting the whole host hides Alice's video from the viewer's lists only; the instance's list stays empty.
        await (await viewer.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/servers", new { host = _host.Remote.Host })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Null(await viewer.ListedAsync(uuid.ToString()));
        Assert.NotNull(await anonymous.ListedAsync(uuid.ToString()));
        Assert.Equal(0, (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/blocklist/servers")).GetProperty("total").GetInt32());
        Assert.Empty((await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/blocklist/public-log")).GetProperty("actions").EnumerateArray());

        // Another user cannot lift the viewer's mute: their own list has no such entry.
        var other = await root.CreateUserAndLoginAsync(_server, "other");
        await (await other.Http.DeleteAsync($"/api/v1/users/me/blocklist/accounts/{bob}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.Equal(0, await CommentsSeenByAsync(viewer));
        await (await viewer.Http.DeleteAsync($"/api/v1/users/me/blocklist/accounts/{bob}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await viewer.Http.DeleteAsync($"/api/v1/users/me/blocklist/servers/{_host.Remote.Host}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await CommentsSeenByAsync(viewer));
        Assert.NotNull(await viewer.ListedAsync(uuid.ToString()));
    }

    /// <summary>A page as a signed-in browser reads it (the pt_token cookie).</summary>
    private async Task<IDocument> BrowserPageAsync(PeerTubeClient user, string path, HttpStatusCode status)
    {
        using var http = PeerTubeClient.CreateHttpClient(_server);
        http.DefaultRequestHeaders.Add("Cookie", $"{PeerTube.Net.Server.Features.Web.WebSession.CookieName}={user.Http.DefaultRequestHeaders.Authorization!.Parameter}");
        var response = await http.GetAsync(path);
        await response.ShouldHaveStatusAsync(status);
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }
}
