using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// B follows a channel of A. Carol, on B, likes and comments A's video; A counts the like and shows the comment. A's
/// creator replies and the reply shows on B. Views on B reach A in a batch, rate changes and deletions follow.
/// </summary>
public sealed class InteractionsTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance(new Dictionary<string, string> { ["Federation:ViewsBatchSeconds"] = "1" });
    private readonly ServerProcess _b = FederationTestKit.Instance(new Dictionary<string, string> { ["Federation:ViewsBatchSeconds"] = "1" });

    [Fact]
    public async Task Likes_comments_and_views_made_on_the_follower_reach_the_origin_and_replies_come_back()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);
        var published = await rootA.PublishAsync("Talk about it");
        var uuid = published.GetProperty("uuid").GetString()!;
        Assert.Equal(0, published.GetProperty("views").GetInt32());
        await FederationTestKit.EventuallyAsync(() => _b.Anonymous().ListedAsync(uuid), "the video to be listed on B", _a, _b);

        var carol = await rootB.CreateUserAsync(_b, "carol");
        var dave = await rootB.CreateUserAsync(_b, "dave");
        var anonymousB = _b.Anonymous();

        // Refusals first: no rating without a user, and only like, dislike or none.
        await (await anonymousB.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/rate", new { rating = "like" })).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/rate", new { rating = "love" })).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        await (await carol.Http.PutAsJsonAsync("/api/v1/videos/no-such-video/rate", new { rating = "like" })).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        // Carol likes it on B: counted on B at once, and on A once the Like arrives.
        await (await carol.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/rate", new { rating = "like" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var mine = await carol.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/videos/{uuid}/rating");
        Assert.Equal("like", mine.GetProperty("rating").GetString());
        Assert.Equal(1, (await anonymousB.GetVideoAsync(uuid)).GetProperty("likes").GetInt32());
        await FederationTestKit.EventuallyAsync(async () => (await rootA.GetVideoAsync(uuid)).GetProperty("likes").GetInt32() == 1,
            "the like to be counted on A", _a, _b);

        // Carol comments on B; A shows the comment, by carol@B. Nobody comments without signing in.
        await (await anonymousB.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Anonymous" }))
            .ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "" })).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        var posted = await carol.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Hello from B" });
        await posted.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var carolsComment = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("comment");
        Assert.Equal("carol", carolsComment.GetProperty("account").GetProperty("name").GetString());
        var threadOnB = carolsComment.GetProperty("id").GetInt32();
        var onA = (await FederationTestKit.EventuallyAsync(async () =>
        {
            var threads = await rootA.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
            return threads.GetProperty("data").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("text").GetString() == "Hello from B");
        }, "carol's comment to appear on A", _a, _b))!.Value;
        Assert.Equal(_b.Host(), onA.GetProperty("account").GetProperty("host").GetString());
        Assert.Equal("carol", onA.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(carolsComment.GetProperty("url").GetString(), onA.GetProperty("url").GetString());

        // A's creator replies; the reply shows in the thread on B, by root@A.
        var reply = await rootA.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comments/{onA.GetProperty("id").GetInt32()}", new { text = "Welcome, carol" });
        await reply.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var child = await FederationTestKit.EventuallyAsync(async () =>
        {
            var tree = await anonymousB.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads/{threadOnB}");
            return tree.GetProperty("children").EnumerateArray().Cast<JsonElement?>().FirstOrDefault();
        }, "A's reply to appear on B", _a, _b);
        Assert.Equal("Welcome, carol", child!.Value.GetProperty("comment").GetProperty("text").GetString());
        Assert.Equal(_a.Host(), child.Value.GetProperty("comment").GetProperty("account").GetProperty("host").GetString());
        Assert.Equal(threadOnB, child.Value.GetProperty("comment").GetProperty("inReplyToCommentId").GetInt32());
        var threadsOnB = await anonymousB.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        Assert.Equal(1, threadsOnB.GetProperty("total").GetInt32());
        Assert.Equal(1, threadsOnB.GetProperty("data")[0].GetProperty("totalReplies").GetInt32());

        // A view on B reaches A in the next batch.
        await (await anonymousB.Http.PostAsync($"/api/v1/videos/{uuid}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await rootA.GetVideoAsync(uuid)).GetProperty("views").GetInt32() == 1,
            "B's view to be counted on A", _a, _b);

        // Carol reports the video on B; B's moderators see it, and so do A's, to whom it is sent as a Flag.
        var report = await carol.Http.PostAsJsonAsync("/api/v1/abuses", new
        {
            reason = "Misleading title", predefinedReasons = new[] { "spamOrMisleading" }, video = new { id = uuid, startAt = 1 },
        });
        await report.ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await carol.Http.GetAsync("/api/v1/abuses")).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        Assert.Equal(1, (await carol.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/abuses")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await rootB.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses")).GetProperty("total").GetInt32());
        var flag = await FederationTestKit.EventuallyAsync(async () =>
            (await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses")).GetProperty("data").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(),
            "the Flag to reach A's moderators", _a, _b);
        Assert.Equal("Misleading title", flag!.Value.GetProperty("reason").GetString());
        Assert.Equal(["spamOrMisleading"], flag.Value.GetProperty("predefinedReasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(uuid, flag.Value.GetProperty("video").GetProperty("uuid").GetString());
        Assert.Equal(1, flag.Value.GetProperty("video").GetProperty("startAt").GetInt32());
        Assert.Equal(_b.Host(), flag.Value.GetProperty("reporterAccount").GetProperty("host").GetString());
        Assert.Equal("carol", flag.Value.GetProperty("reporterAccount").GetProperty("name").GetString());
        var flagId = flag.Value.GetProperty("id").GetInt32();
        var abuseOnB = (await rootB.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses")).GetProperty("data")[0].GetProperty("id").GetInt32();
        await (await dave.Http.PutAsJsonAsync($"/api/v1/abuses/{abuseOnB}", new { state = 2 })).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await dave.Http.DeleteAsync($"/api/v1/abuses/{abuseOnB}")).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await rootA.Http.PutAsJsonAsync($"/api/v1/abuses/{flagId}", new { state = 3, moderationComment = "Renamed" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(3, (await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses")).GetProperty("data")[0].GetProperty("state").GetProperty("id").GetInt32());
        await (await rootA.Http.PostAsJsonAsync("/api/v1/abuses", new { reason = "Mine", video = new { id = uuid } })).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);

        // Dave may neither delete carol's comment nor the reply; carol may delete hers, and A hears of it.
        await (await dave.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{threadOnB}")).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await anonymousB.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{threadOnB}")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{threadOnB}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await carol.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{threadOnB}")).ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var threads = await rootA.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
            return threads.GetProperty("data")[0].GetProperty("isDeleted").GetBoolean();
        }, "the deletion to reach A", _a, _b);
        var deletedOnA = (await rootA.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("data")[0];
        Assert.Equal("", deletedOnA.GetProperty("text").GetString());
        Assert.Equal(JsonValueKind.Null, deletedOnA.GetProperty("account").ValueKind);

        // Carol changes her mind: a dislike replaces the like on A, then none leaves nothing.
        await (await carol.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/rate", new { rating = "dislike" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var v = await rootA.GetVideoAsync(uuid);
            return v.GetProperty("likes").GetInt32() == 0 && v.GetProperty("dislikes").GetInt32() == 1;
        }, "the dislike to replace the like on A", _a, _b);
        await (await carol.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}/rate", new { rating = "none" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await rootA.GetVideoAsync(uuid)).GetProperty("dislikes").GetInt32() == 0,
            "the undo to reach A", _a, _b);
        Assert.Equal("none", (await carol.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/me/videos/{uuid}/rating")).GetProperty("rating").GetString());
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
