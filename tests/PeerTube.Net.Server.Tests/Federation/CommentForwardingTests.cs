using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// B and C follow a channel of A, but not each other. Carol, on B, comments A's video: A passes the comment on to C,
/// which fetches it from B and shows it. When carol deletes it, A passes that on too. A stranger who forwards a
/// comment with words carol never wrote gets nothing stored.
/// </summary>
public sealed class CommentForwardingTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();
    private readonly ServerProcess _c = FederationTestKit.Instance();
    private readonly FakeRemote _stranger = new();

    [Fact]
    public async Task A_comment_made_on_one_follower_reaches_the_other_through_the_origin_and_so_does_its_deletion()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync(), _c.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        var rootC = await _c.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);
        await rootC.FollowAsync($"root_channel@{_a.Host()}", _a, _c);
        var uuid = (await rootA.PublishAsync("Talked about everywhere")).GetProperty("uuid").GetString()!;
        await FederationTestKit.EventuallyAsync(() => _b.Anonymous().ListedAsync(uuid), "the video to be listed on B", _a, _b);
        await FederationTestKit.EventuallyAsync(() => _c.Anonymous().ListedAsync(uuid), "the video to be listed on C", _a, _c);

        // Carol comments on B. A gets it from B, and C through A, by carol@B.
        var carol = await rootB.CreateUserAsync(_b, "carol");
        var posted = await carol.Http.PostAsJsonAsync($"/api/v1/videos/{uuid}/comment-threads", new { text = "Hello from B" });
        await posted.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var comment = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("comment");
        var noteUrl = comment.GetProperty("url").GetString()!;
        var onC = (await FederationTestKit.EventuallyAsync(() => ThreadAsync(_c, uuid, "Hello from B"),
            "carol's comment to reach C through A", _a, _b, _c))!.Value;
        Assert.Equal("carol", onC.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(_b.Host(), onC.GetProperty("account").GetProperty("host").GetString());
        Assert.Equal(noteUrl, onC.GetProperty("url").GetString());

        // A stranger forwards "carol's" comment with other words, and a comment of carol's that does not exist.
        var mallory = _stranger.Person("mallory");
        var carolUrl = $"{_b.BaseUrl}/accounts/carol";
        var videoUrl = $"{_a.BaseUrl}/videos/watch/{uuid}";
        foreach (var (id, activityId) in new[] { (noteUrl, "forged/1"), (noteUrl + "0", "forged/2") })
        {
            var forged = $$"""
                {"@context":"https://www.w3.org/ns/activitystreams","type":"Create","id":"{{_stranger.BaseUrl}}/{{activityId}}",
                 "actor":"{{carolUrl}}","to":["https://www.w3.org/ns/activitystreams#Public"],
                 "object":{"type":"Note","id":"{{id}}","attributedTo":"{{carolUrl}}","inReplyTo":"{{videoUrl}}","content":"Forged"} }
                """;
            var forwarded = await _stranger.PostAsync($"{_c.BaseUrl}/inbox", forged, mallory + "#main-key");
            await forwarded.ShouldHaveStatusAsync(HttpStatusCode.NoContent); // taken as a pointer, to be checked at its source
        }

        // A stranger may not forward anything else under carol's name.
        var impersonated = await _stranger.PostAsync($"{_c.BaseUrl}/inbox",
            $$"""{"type":"Like","id":"{{_stranger.BaseUrl}}/likes/1","actor":"{{carolUrl}}","object":"{{videoUrl}}"}""", mallory + "#main-key");
        await impersonated.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        // Carol deletes her comment on B; A forgets it, and C too, once A passes the Delete on.
        await (await carol.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{comment.GetProperty("id").GetInt32()}"))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        // (A deleted thread with no replies is no longer listed, as on PeerTube.)
        await FederationTestKit.EventuallyAsync(async () => await IsGoneAsync(_a, uuid, noteUrl), "the deletion to reach A", _a, _b);
        await FederationTestKit.EventuallyAsync(async () => await IsGoneAsync(_c, uuid, noteUrl), "the deletion to reach C through A", _a, _b, _c);

        // Neither forgery left a word of its own on C: the video there has no comment left.
        var threads = await _c.Anonymous().Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        Assert.Equal(0, threads.GetProperty("totalNotDeletedComments").GetInt32());
        Assert.DoesNotContain(threads.GetProperty("data").EnumerateArray(), t => t.GetProperty("text").GetString() == "Forged");
        Assert.Equal(0, (await _c.Anonymous().GetVideoAsync(uuid)).GetProperty("likes").GetInt32());
    }

    private static async Task<JsonElement?> ThreadAsync(ServerProcess server, string uuid, string text)
    {
        var threads = await server.Anonymous().Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        return threads.GetProperty("data").EnumerateArray().Cast<JsonElement?>().FirstOrDefault(t => t!.Value.GetProperty("text").GetString() == text);
    }

    private static async Task<bool> IsGoneAsync(ServerProcess server, string uuid, string noteUrl)
    {
        var threads = await server.Anonymous().Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        return !threads.GetProperty("data").EnumerateArray()
            .Any(t => t.GetProperty("url").GetString() == noteUrl && !t.GetProperty("isDeleted").GetBoolean());
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
        await _stranger.DisposeAsync();
    }
}
