using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Engagement;

/// <summary>
/// Issue 18: a video's <c>commentsPolicy</c>. Disabled (2) refuses comments; requires approval (3) holds them: only the
/// author, the video's owner and moderators see a held comment, in the API, on the page and as an ActivityPub object,
/// until the owner approves it. Nobody else approves.
/// </summary>
public sealed class CommentsPolicyTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Held_comments_are_seen_by_their_author_and_the_owner_only_until_the_owner_approves_them()
    {
        var ct = TestContext.Current.CancellationToken;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var owner = await root.CreateUserAndLoginAsync(_server, "alice");
        using var viewer = await root.CreateUserAndLoginAsync(_server, "bob");
        using var stranger = await root.CreateUserAndLoginAsync(_server, "carol");
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var source = await TestMedia.VideoAsync();

        // Policy 2: PeerTube's refusal, and the video says so in both fields.
        var closed = (await owner.UploadVideoAsync(source, "No comments here", new Dictionary<string, string> { ["commentsPolicy"] = "2" }))
            .GetProperty("id").GetInt32();
        var closedVideo = await owner.GetVideoAsync(closed);
        Assert.Equal(2, closedVideo.GetProperty("commentsPolicy").GetProperty("id").GetInt32());
        Assert.False(closedVideo.GetProperty("commentsEnabled").GetBoolean());
        await (await viewer.Http.PostAsJsonAsync($"/api/v1/videos/{closed}/comment-threads", new { text = "Let me in" }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.Conflict, "video_comments_disabled");

        // Policy 3: bob's comment is held; he sees it, flagged, and so does the owner; nobody else does.
        var video = await owner.UploadVideoAsync(source, "Reviewed comments", new Dictionary<string, string> { ["commentsPolicy"] = "3" });
        var id = video.GetProperty("id").GetInt32();
        var uuid = video.GetProperty("uuid").GetString()!;
        Assert.Equal(3, (await owner.GetVideoAsync(id)).GetProperty("commentsPolicy").GetProperty("id").GetInt32());
        var posted = await viewer.Http.PostAsJsonAsync($"/api/v1/videos/{id}/comment-threads", new { text = "A remark to review" }, ct);
        await posted.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var held = (await posted.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("comment");
        Assert.True(held.GetProperty("heldForReview").GetBoolean());
        var commentId = held.GetProperty("id").GetInt32();

        Assert.Equal(0, (await ThreadsAsync(anonymous, id)).GetProperty("total").GetInt32());
        Assert.Equal(0, (await ThreadsAsync(stranger, id)).GetProperty("total").GetInt32());
        Assert.True((await ThreadsAsync(viewer, id)).GetProperty("data")[0].GetProperty("heldForReview").GetBoolean());
        Assert.True((await ThreadsAsync(owner, id)).GetProperty("data")[0].GetProperty("heldForReview").GetBoolean());
        await (await stranger.Http.GetAsync($"/api/v1/videos/{id}/comment-threads/{commentId}", ct)).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await (await stranger.Http.PostAsJsonAsync($"/api/v1/videos/{id}/comments/{commentId}", new { text = "Replying blind" }, ct))
            .ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await stranger.Http.DeleteAsync($"/api/v1/videos/{id}/comments/{commentId}", ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.DoesNotContain("A remark to review", await anonymous.Http.GetStringAsync($"/w/{uuid}", ct), StringComparison.Ordinal);
        Assert.DoesNotContain("A remark to review", await stranger.Http.GetStringAsync($"/w/{uuid}", ct), StringComparison.Ordinal);
        Assert.Contains("A remark to review", await owner.Http.GetStringAsync($"/w/{uuid}", ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.Http.GetAsync($"/videos/watch/{uuid}/comments/{commentId}", ct)).StatusCode);

        // The owner's review queue lists it.
        var queue = await owner.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/comments?isHeldForReview=true", ct);
        Assert.Equal(commentId, queue.GetProperty("data")[0].GetProperty("id").GetInt32());
        Assert.Equal(0, (await stranger.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos/comments?isHeldForReview=true", ct)).GetProperty("total").GetInt32());

        // Only the owner (or a moderator) approves: not anonymous, not a stranger, not the author.
        var approve = $"/api/v1/videos/{id}/comments/{commentId}/approve";
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.PostAsync(approve, null, ct)).StatusCode);
        await (await stranger.Http.PostAsync(approve, null, ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await viewer.Http.PostAsync(approve, null, ct)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await owner.Http.PostAsync($"/api/v1/videos/{closed}/comments/{commentId}/approve", null, ct)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await owner.Http.PostAsync(approve, null, ct)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await owner.Http.PostAsync(approve, null, ct)).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        // Approved: everyone sees it, and its Note is served.
        var seen = await ThreadsAsync(anonymous, id);
        Assert.Equal(1, seen.GetProperty("total").GetInt32());
        Assert.False(seen.GetProperty("data")[0].GetProperty("heldForReview").GetBoolean());
        Assert.Contains("A remark to review", await stranger.Http.GetStringAsync($"/w/{uuid}", ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.Http.GetAsync($"/videos/watch/{uuid}/comments/{commentId}", ct)).StatusCode);

        // The owner's own comments are never held.
        var own = await owner.Http.PostAsJsonAsync($"/api/v1/videos/{id}/comment-threads", new { text = "Thanks" }, ct);
        Assert.False((await own.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("comment").GetProperty("heldForReview").GetBoolean());
    }

    private static Task<JsonElement> ThreadsAsync(PeerTubeClient client, int videoId) =>
        client.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{videoId}/comment-threads", TestContext.Current.CancellationToken);
}
