using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Engagement;

/// <summary>
/// Issue 17: PeerTube 6.2's watched words and automatic tags. An account's lists tag the comments on its videos; a tag
/// under the account's review policy holds the comment; the owner's review queue shows and filters the tags; the
/// instance's lists tag comments for moderators. Only an account's owner manages its lists, only moderators the instance's.
/// </summary>
public sealed class WatchedWordsTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_creator_holds_comments_with_watched_words_and_moderators_see_the_instances_tags()
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var alice = await root.CreateUserAndLoginAsync(_server, "alice");
        using var bob = await root.CreateUserAndLoginAsync(_server, "bob");
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var lists = "/api/v1/watched-words/accounts/alice/lists";

        // Alice writes a list; the rules are PeerTube's.
        var created = await alice.Http.PostAsJsonAsync(lists, new { listName = "gambling", words = new[] { "casino", "free money" } }, ct);
        await created.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var listId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("watchedWordsList").GetProperty("id").GetInt32();
        await (await alice.Http.PostAsJsonAsync(lists, new { listName = "gambling", words = new[] { "bet" } }, ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await alice.Http.PostAsJsonAsync(lists, new { listName = "empty", words = Array.Empty<string>() }, ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await alice.Http.PostAsJsonAsync(lists, new { listName = "huge", words = Enumerable.Range(0, 501).Select(i => $"w{i}").ToArray() }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await alice.Http.PostAsJsonAsync(lists, new { listName = new string('x', 101), words = new[] { "a" } }, ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var mine = await alice.Http.GetFromJsonAsync<JsonElement>(lists, ct);
        Assert.Equal(1, mine.GetProperty("total").GetInt32());
        Assert.Equal(["casino", "free money"], mine.GetProperty("data")[0].GetProperty("words").EnumerateArray().Select(w => w.GetString()!).ToArray());

        // Nobody else reads or changes them: not bob, not anonymous; the instance's lists are for moderators.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync(lists, ct)).StatusCode);
        await (await bob.Http.GetAsync(lists, ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.PostAsJsonAsync(lists, new { listName = "mine now", words = new[] { "x" } }, ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.PutAsJsonAsync($"{lists}/{listId}", new { words = new[] { "harmless" } }, ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.DeleteAsync($"{lists}/{listId}", ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.PutAsJsonAsync($"/api/v1/watched-words/accounts/bob/lists/{listId}", new { words = new[] { "harmless" } }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await bob.Http.GetAsync("/api/v1/watched-words/accounts/nobody/lists", ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await bob.Http.PostAsJsonAsync("/api/v1/watched-words/server/lists", new { listName = "x", words = new[] { "x" } }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.GetAsync("/api/v1/automatic-tags/policies/accounts/alice/comments", ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await bob.Http.PutAsJsonAsync("/api/v1/automatic-tags/policies/accounts/alice/comments", new { review = Array.Empty<string>() }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.Equal(1, (await alice.Http.GetFromJsonAsync<JsonElement>(lists, ct)).GetProperty("total").GetInt32());

        // Her tags: her list and PeerTube's core tag. She reviews "gambling"; an unknown tag is refused.
        var available = await alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/automatic-tags/accounts/alice/available", ct);
        Assert.Equal(["gambling:watched-words-list", "external-link:core"],
            available.GetProperty("available").EnumerateArray().Select(t => $"{t.GetProperty("name").GetString()}:{t.GetProperty("type").GetString()}").ToArray());
        await (await alice.Http.PutAsJsonAsync("/api/v1/automatic-tags/policies/accounts/alice/comments", new { review = new[] { "no-such-tag" } }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await alice.Http.PutAsJsonAsync("/api/v1/automatic-tags/policies/accounts/alice/comments", new { review = new[] { "gambling" } }, ct))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(["gambling"], (await alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/automatic-tags/policies/accounts/alice/comments", ct))
            .GetProperty("review").EnumerateArray().Select(t => t.GetString()!).ToArray());

        // Her page shows the list and the reviewed tag; the instance's page is for moderators.
        var page = await alice.Http.GetStringAsync("/my-account/watched-words", ct);
        Assert.Contains("free money", page, StringComparison.Ordinal);
        Assert.Contains("value=\"gambling\" checked", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.GetAsync("/admin/watched-words", ct)).StatusCode);
        var instancePage = await root.Http.GetStringAsync("/admin/watched-words", ct);
        Assert.Contains("watched-words-add-form", instancePage, StringComparison.Ordinal);
        Assert.DoesNotContain("watched-words-review-form", instancePage, StringComparison.Ordinal);

        // The instance watches "promo" (a moderator's list).
        await (await root.Http.PostAsJsonAsync("/api/v1/watched-words/server/lists", new { listName = "ads", words = new[] { "promo" } }, ct))
            .ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Bob comments on her video (comments open to all): a whole word of her list holds the comment, in any case.
        var video = (await alice.UploadVideoAsync(await TestMedia.VideoAsync(), "Open comments")).GetProperty("id").GetInt32();
        var held = await CommentAsync(bob, video, "Come to my CASINO tonight");
        var inside = await CommentAsync(bob, video, "Casinos are a subject of this film");
        var linked = await CommentAsync(bob, video, "More at https://elsewhere.example/page and a promo code");
        var local = await CommentAsync(bob, video, "Same video at http://localhost/w/abc");
        Assert.True(held.GetProperty("heldForReview").GetBoolean());
        Assert.False(inside.GetProperty("heldForReview").GetBoolean());
        Assert.False(linked.GetProperty("heldForReview").GetBoolean());
        Assert.False(local.GetProperty("heldForReview").GetBoolean());
        Assert.Equal(3, (await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{video}/comment-threads", ct)).GetProperty("total").GetInt32());

        // Her review queue shows her tags and filters on them; moderators see the instance's.
        var queue = await alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos/comments", ct);
        Assert.Equal(["gambling"], TagsOf(queue, held));
        Assert.Empty(TagsOf(queue, inside));
        Assert.Equal(["external-link"], TagsOf(queue, linked));
        Assert.Empty(TagsOf(queue, local));
        var filtered = await alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos/comments?autoTagOneOf=gambling&autoTagOneOf=external-link", ct);
        Assert.Equal(2, filtered.GetProperty("total").GetInt32());
        var moderated = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/comments?autoTagOneOf=ads", ct);
        Assert.Equal(1, moderated.GetProperty("total").GetInt32());
        Assert.Equal(["ads", "external-link"], TagsOf(moderated, linked));
        Assert.Equal(0, (await bob.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos/comments", ct)).GetProperty("total").GetInt32());

        // A renamed list keeps working; a deleted one takes its policy with it.
        await (await alice.Http.PutAsJsonAsync($"{lists}/{listId}", new { words = new[] { "lottery" } }, ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.True((await CommentAsync(bob, video, "Won the lottery!")).GetProperty("heldForReview").GetBoolean());
        Assert.False((await CommentAsync(bob, video, "Back to the casino")).GetProperty("heldForReview").GetBoolean());
        await (await alice.Http.DeleteAsync($"{lists}/{listId}", ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(0, (await alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/automatic-tags/policies/accounts/alice/comments", ct))
            .GetProperty("review").GetArrayLength());
        Assert.False((await CommentAsync(bob, video, "Another lottery")).GetProperty("heldForReview").GetBoolean());
    }

    private static async Task<JsonElement> CommentAsync(PeerTubeClient client, int videoId, string text)
    {
        var response = await client.Http.PostAsJsonAsync($"/api/v1/videos/{videoId}/comment-threads", new { text }, TestContext.Current.CancellationToken);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("comment");
    }

    private static string[] TagsOf(JsonElement page, JsonElement comment) =>
        page.GetProperty("data").EnumerateArray().Single(c => c.GetProperty("id").GetInt32() == comment.GetProperty("id").GetInt32())
            .GetProperty("automaticTags").EnumerateArray().Select(t => t.GetString()!).ToArray();
}
