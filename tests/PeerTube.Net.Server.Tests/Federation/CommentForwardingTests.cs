using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// B and C follow a channel of A, but not each other. Carol, on B, comments A's video: A passes the comment on to C,
/// which shows it. When carol deletes it, A passes that on too. A stranger's forwards are only pointers: the words
/// kept are the ones at the note's own address, and a forward cannot take the id of an activity yet to come.
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

        // A stranger forwards a comment of eve's (on the stranger's own server) with words eve never wrote: C fetches
        // the note from where its id says it lives and keeps what is there, never the forwarded words.
        var mallory = _stranger.Person("mallory");
        var eve = _stranger.Person("eve");
        var videoUrl = $"{_a.BaseUrl}/videos/watch/{uuid}";
        _stranger.Serve("/notes/1", $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","type":"Note","id":"{{_stranger.BaseUrl}}/notes/1","attributedTo":"{{eve}}",
             "inReplyTo":"{{videoUrl}}","content":"Words of eve","published":"2026-12-06T10:00:00.000Z",
             "to":["https://www.w3.org/ns/activitystreams#Public"]}
            """);
        var forged = $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","type":"Create","id":"{{_stranger.BaseUrl}}/forged/1","actor":"{{eve}}",
             "to":["https://www.w3.org/ns/activitystreams#Public"],
             "object":{"type":"Note","id":"{{_stranger.BaseUrl}}/notes/1","attributedTo":"{{eve}}","inReplyTo":"{{videoUrl}}","content":"Forged"} }
            """;
        var forwarded = await _stranger.PostAsync($"{_c.BaseUrl}/inbox", forged, mallory + "#main-key");
        await forwarded.ShouldHaveStatusAsync(HttpStatusCode.NoContent); // taken as a pointer, to be checked at its source
        await FederationTestKit.EventuallyAsync(() => ThreadAsync(_c, uuid, "Words of eve"), "the note of eve, as fetched, to be on C", _c);
        var threadsOnC = await _c.Anonymous().Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        Assert.DoesNotContain(threadsOnC.GetProperty("data").EnumerateArray(), t => t.GetProperty("text").GetString() == "Forged");

        // A stranger may not forward anything else under another's name.
        var carolUrl = $"{_b.BaseUrl}/accounts/carol";
        var impersonated = await _stranger.PostAsync($"{_c.BaseUrl}/inbox",
            $$"""{"type":"Like","id":"{{_stranger.BaseUrl}}/likes/1","actor":"{{carolUrl}}","object":"{{videoUrl}}"}""", mallory + "#main-key");
        await impersonated.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        // Nor can a forged forward that takes the id of carol's coming Delete make A drop the real one as a duplicate.
        var squatted = await _stranger.PostAsync($"{_a.BaseUrl}/inbox",
            $$"""{"type":"Delete","id":"{{noteUrl}}/delete","actor":"{{carolUrl}}","object":"{{noteUrl}}"}""", mallory + "#main-key");
        await squatted.ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        // Carol deletes her comment on B; A forgets it, and C too, once A passes the Delete on.
        await (await carol.Http.DeleteAsync($"/api/v1/videos/{uuid}/comments/{comment.GetProperty("id").GetInt32()}"))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        // (A deleted thread with no replies is no longer listed, as on PeerTube.)
        await FederationTestKit.EventuallyAsync(async () => await IsGoneAsync(_a, uuid, noteUrl), "the deletion to reach A", _a, _b);
        await FederationTestKit.EventuallyAsync(async () => await IsGoneAsync(_c, uuid, noteUrl), "the deletion to reach C through A", _a, _b, _c);

        // On C, eve's note is all that is left, in her own words, and the impersonated like was not counted.
        var threads = await _c.Anonymous().Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads");
        var left = Assert.Single(threads.GetProperty("data").EnumerateArray());
        Assert.Equal("Words of eve", left.GetProperty("text").GetString());
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
