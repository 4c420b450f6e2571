using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Moderation;

/// <summary>
/// Issue 17, "Video blocks". A moderator blocks a creator's video: it leaves the lists and the home page, and only the
/// creator and the moderators may still open it; with <c>unfederate</c> the followers are told it is gone, and they hear
/// of it again when it is unblocked. With auto-block on, a plain user's upload waits for a moderator.
/// </summary>
public sealed class VideoBlockTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private readonly FakeRemote _remote = new();

    public async ValueTask InitializeAsync() =>
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });

    [Fact]
    public async Task A_moderator_blocks_a_video_which_only_its_owner_and_moderators_still_see_and_its_followers_forget()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var creator = await root.CreateUserAndLoginAsync(_server, "creator");
        var viewer = await root.CreateUserAndLoginAsync(_server, "viewer");
        var anonymous = PeerTubeClient.Anonymous(_server);

        // A fediverse user follows the creator's channel.
        var ann = _remote.Person("ann");
        var follow = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{ann}#follows/1", ["type"] = "Follow", ["actor"] = ann,
            ["object"] = "http://localhost/video-channels/creator_channel",
        };
        using var via = _server.CreateClient();
        (await _remote.PostAsync("http://localhost/inbox", follow.ToJsonString(), ann + "#main-key", via: via)).EnsureSuccessStatusCode();
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(Received("Accept").Any()), "the Accept of the follow");

        var uuid = await PublishAsync(creator, "Questionable video");
        var videoUrl = $"http://localhost/videos/watch/{uuid}";
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(Received("Create").Any()), "the Create of the video");
        Assert.NotNull(await anonymous.ListedAsync(uuid));

        // Only moderators block.
        var block = new { reason = "Spam in the description", unfederate = true };
        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", block)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await viewer.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", block)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await creator.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", block)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", new { reason = "x" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await root.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", block)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", block)).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);

        // Gone from the lists and pages of everyone but its owner and the moderators.
        Assert.Null(await anonymous.ListedAsync(uuid));
        Assert.Null(await viewer.ListedAsync(uuid));
        Assert.NotNull(await creator.ListedAsync(uuid));
        Assert.NotNull(await root.ListedAsync(uuid));
        Assert.DoesNotContain("Questionable video", await anonymous.Http.GetStringAsync("/"));
        Assert.Equal(0, (await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/creator/videos")).GetProperty("total").GetInt32());
        Assert.Equal(0, (await viewer.Http.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/creator_channel/videos")).GetProperty("total").GetInt32());
        await (await anonymous.Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await viewer.Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync($"/videos/watch/{uuid}")).StatusCode);
        await BrowserPageAsync(viewer, $"/videos/watch/{uuid}", HttpStatusCode.Forbidden);
        await BrowserPageAsync(creator, $"/videos/watch/{uuid}", HttpStatusCode.OK);
        var seen = await creator.GetVideoAsync(uuid);
        Assert.True(seen.GetProperty("blacklisted").GetBoolean());
        Assert.Equal("Spam in the description", seen.GetProperty("blacklistedReason").GetString());

        // The follower is told it is gone, and fetching it as ActivityPub finds nothing.
        using (var fetch = new HttpRequestMessage(HttpMethod.Get, $"/videos/watch/{uuid}"))
        {
            fetch.Headers.Accept.ParseAdd("application/activity+json");
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.Http.SendAsync(fetch)).StatusCode);
        }

        var delete = await FederationTestKit.EventuallyAsync(() => Task.FromResult(Received("Delete").Cast<JsonElement?>().FirstOrDefault()), "the Delete of the video");
        Assert.Equal(videoUrl, delete!.Value.GetProperty("object").GetString());

        // The moderators' page lists it with its action, and their menu leads there.
        var page = await BrowserPageAsync(root, "/admin/video-blocks", HttpStatusCode.OK);
        Assert.NotNull(page.QuerySelector($"table.video-blocks tr.video-block[data-uuid='{uuid}'] button.video-unblock[data-api-method='DELETE'][data-api-url='/api/v1/videos/{uuid}/blacklist']"));
        Assert.NotNull(page.QuerySelector("a#menu-video-blocks[href='/admin/video-blocks']"));
        await BrowserPageAsync(viewer, "/admin/video-blocks", HttpStatusCode.Forbidden);

        // Moderators list the blocks.
        await (await viewer.Http.GetAsync("/api/v1/videos/blacklist")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var listed = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/blacklist?type=1&search=questionable");
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        var entry = listed.GetProperty("data")[0];
        Assert.Equal(uuid, entry.GetProperty("video").GetProperty("uuid").GetString());
        Assert.True(entry.GetProperty("unfederated").GetBoolean());
        Assert.Equal(1, entry.GetProperty("type").GetInt32());
        Assert.Equal(0, (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/blacklist?type=2")).GetProperty("total").GetInt32());

        // The reason changes; only moderators change it.
        await (await anonymous.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", new { reason = "Other" })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await viewer.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", new { reason = "Other" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/blacklist", new { reason = "Misleading title" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal("Misleading title", (await root.GetVideoAsync(uuid)).GetProperty("blacklistedReason").GetString());

        // Unblocked: back for everyone, and announced to the follower again.
        await (await anonymous.Http.DeleteAsync($"/api/v1/videos/{uuid}/blacklist")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await viewer.Http.DeleteAsync($"/api/v1/videos/{uuid}/blacklist")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.DeleteAsync($"/api/v1/videos/{uuid}/blacklist")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.DeleteAsync($"/api/v1/videos/{uuid}/blacklist")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.NotNull(await anonymous.ListedAsync(uuid));
        Assert.False((await viewer.GetVideoAsync(uuid)).GetProperty("blacklisted").GetBoolean());
        var log = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/audit-logs?sort=createdAt");
        Assert.Equal(["video-block", "video-block-update", "video-unblock"],
            log.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList());
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(Received("Create").Count() == 2), "the Create of the unblocked video");
    }

    [Fact]
    public async Task With_auto_block_on_a_new_users_upload_waits_for_a_moderator_and_moderators_bypass_it()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var custom = await root.Http.GetFromJsonAsync<JsonObject>("/api/v1/config/custom");
        custom!["autoBlacklist"]!["videos"]!["ofUsers"]!["enabled"] = true;
        await (await root.Http.PutAsJsonAsync("/api/v1/config/custom", custom)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        var newcomer = await root.CreateUserAndLoginAsync(_server, "newcomer");
        var anonymous = PeerTubeClient.Anonymous(_server);

        var held = await PublishAsync(newcomer, "First upload");
        var trusted = await PublishAsync(root, "Admin upload");
        Assert.Null(await anonymous.ListedAsync(held));
        Assert.NotNull(await newcomer.ListedAsync(held));
        Assert.NotNull(await anonymous.ListedAsync(trusted));
        Assert.True((await newcomer.GetVideoAsync(held)).GetProperty("blacklisted").GetBoolean());

        var auto = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/blacklist?type=2");
        var entry = Assert.Single(auto.GetProperty("data").EnumerateArray());
        Assert.Equal(held, entry.GetProperty("video").GetProperty("uuid").GetString());

        await (await root.Http.DeleteAsync($"/api/v1/videos/{held}/blacklist")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.NotNull(await anonymous.ListedAsync(held));
    }

    private async Task<IDocument> BrowserPageAsync(PeerTubeClient user, string path, HttpStatusCode status)
    {
        using var http = PeerTubeClient.CreateHttpClient(_server);
        http.DefaultRequestHeaders.Add("Cookie", $"{PeerTube.Net.Server.Features.Web.WebSession.CookieName}={user.Http.DefaultRequestHeaders.Authorization!.Parameter}");
        var response = await http.GetAsync(path);
        await response.ShouldHaveStatusAsync(status);
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    private IEnumerable<JsonElement> Received(string type) =>
        _remote.Received.Select(r => r.Body).Where(b => b.GetProperty("type").GetString() == type).ToList();

    private static async Task<string> PublishAsync(PeerTubeClient client, string name)
    {
        var created = await client.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 1), name);
        var video = await client.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        return video.GetProperty("uuid").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _remote.DisposeAsync();
    }
}
