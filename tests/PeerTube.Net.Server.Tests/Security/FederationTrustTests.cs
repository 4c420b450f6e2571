using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15, "Federation: who may say what". A remote host is taken at its word only for what it owns and only when we
/// follow it: a video comes from its channel, its channel's account or its instance, of a channel, account or instance
/// we follow; a video or a comment is changed or deleted only by its owner. Everything else is answered 2xx, dropped,
/// and the reason kept in the inbox log; the REST API shows nothing of it.
/// </summary>
public sealed class FederationTrustTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private FakePeerTube _host = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        _host = new FakePeerTube(_server).WithAccounts("alice", "bob", "carol");
    }

    [Fact]
    public async Task A_video_is_taken_only_from_a_channel_we_follow_and_its_claimed_views_are_capped()
    {
        var anonymous = PeerTubeClient.Anonymous(_server);
        var uuid = Guid.NewGuid();
        var video = _host.Video(uuid, "Unsolicited", _host.Channel("alice"), views: 5_000_000_000, _host.Account("alice"));

        // What an outsider did: a signed Create from a host nobody here follows was listed publicly.
        Assert.Contains("follow", await _host.SendAsync("Create", _host.Account("alice"), video));
        Assert.Null(await anonymous.ListedAsync(uuid.ToString()));
        await (await anonymous.Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        // A follow that is still pending is no follow.
        await _server.FollowedAsync(_host.Channel("alice"), FollowState.Pending);
        Assert.Contains("follow", await _host.SendAsync("Create", _host.Account("alice"), video));
        Assert.Null(await anonymous.ListedAsync(uuid.ToString()));

        // Accepted: the same Create is taken, and the views it claims are capped (Federation:MaxRemoteVideoViews).
        await _server.FollowedAsync(_host.Channel("alice"));
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), video));
        var listed = await anonymous.ListedAsync(uuid.ToString());
        Assert.NotNull(listed);
        Assert.Equal(10_000_000, listed.Value.GetProperty("views").GetInt64());
    }

    [Fact]
    public async Task A_remote_video_claiming_billions_of_views_never_trends_above_one_of_ours()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var ours = await root.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Ours, seen once");
        var ourUuid = ours.GetProperty("uuid").GetString()!;
        await root.WaitForTranscodingAsync(ourUuid);
        await (await root.Http.PostAsync($"/api/v1/videos/{ourUuid}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await _server.FollowedAsync(_host.Channel("alice"));
        var theirs = Guid.NewGuid();
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"),
            _host.Video(theirs, "Claims to be huge", _host.Channel("alice"), views: 5_000_000_000, _host.Account("alice"))));

        // Sorted by views, the claim (capped) shows; trending ranks what was seen here.
        var anonymous = PeerTubeClient.Anonymous(_server);
        async Task<List<string>> OrderAsync(string sort) =>
            (await anonymous.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/videos?sort={sort}&count=10")).GetProperty("data")
            .EnumerateArray().Select(v => v.GetProperty("uuid").GetString()!).ToList();
        Assert.Equal([theirs.ToString(), ourUuid], await OrderAsync("-views"));
        Assert.Equal([ourUuid, theirs.ToString()], await OrderAsync("-trending"));
        Assert.Equal([ourUuid, theirs.ToString()], await OrderAsync("-hot"));
    }

    [Fact]
    public async Task Another_account_of_the_same_host_can_neither_rename_move_nor_delete_a_video_nor_create_one_in_its_channel()
    {
        // We follow the whole instance: every account of it may publish in its own channels, and only there.
        await _server.FollowedAsync(_host.InstanceActor);
        var anonymous = PeerTubeClient.Anonymous(_server);
        var uuid = Guid.NewGuid();
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), _host.Video(uuid, "Alice's walk", _host.Channel("alice"), 0, _host.Account("alice"))));
        Assert.Equal("Alice's walk", (await anonymous.GetVideoAsync(uuid)).GetProperty("name").GetString());

        // Bob names himself in attributedTo: being listed there is not owning the channel.
        var renamed = _host.Video(uuid, "Pwned by bob", _host.Channel("alice"), 0, _host.Account("alice"), _host.Account("bob"));
        Assert.Contains("neither", await _host.SendAsync("Update", _host.Account("bob"), renamed));

        // Bob moves it into his own channel.
        var moved = _host.Video(uuid, "Moved by bob", _host.Channel("bob"), 0, _host.Account("bob"));
        Assert.Contains("does not own", await _host.SendAsync("Update", _host.Account("bob"), moved));

        // Bob deletes it.
        Assert.Contains("owner", await _host.SendAsync("Delete", _host.Account("bob"), JsonValue.Create($"{_host.Base}/videos/watch/{uuid}")!));

        // Bob publishes in Alice's channel.
        var planted = Guid.NewGuid();
        Assert.Contains("neither", await _host.SendAsync("Create", _host.Account("bob"), _host.Video(planted, "Planted", _host.Channel("alice"), 0, _host.Account("bob"))));

        var video = await anonymous.GetVideoAsync(uuid);
        Assert.Equal("Alice's walk", video.GetProperty("name").GetString());
        Assert.Equal("alice_channel", video.GetProperty("channel").GetProperty("name").GetString());
        Assert.Null(await anonymous.ListedAsync(planted.ToString()));
        Assert.Equal(1, await _host.QueryAsync(db => db.Videos.CountAsync(v => v.RemoteUrl != null)));

        // The owner (and its instance) may: the instance renames it, Alice deletes it.
        Assert.Null(await _host.SendAsync("Update", _host.InstanceActor, _host.Video(uuid, "Renamed by the admin", _host.Channel("alice"), 0, _host.Account("alice"))));
        Assert.Equal("Renamed by the admin", (await anonymous.GetVideoAsync(uuid)).GetProperty("name").GetString());
        Assert.Null(await _host.SendAsync("Delete", _host.Account("alice"), JsonValue.Create($"{_host.Base}/videos/watch/{uuid}")!));
        await (await anonymous.Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_announce_is_taken_only_from_an_actor_we_follow_and_the_video_is_read_from_its_origin()
    {
        await _server.FollowedAsync(_host.Channel("carol"));
        var anonymous = PeerTubeClient.Anonymous(_server);
        var uuid = Guid.NewGuid();
        var url = $"{_host.Base}/videos/watch/{uuid}";
        _host.Video(uuid, "Shared", _host.Channel("alice"), 0, _host.Account("alice"));

        Assert.Contains("do not follow", await _host.SendAsync("Announce", _host.Channel("bob"), JsonValue.Create(url)!));
        Assert.Null(await anonymous.ListedAsync(uuid.ToString()));

        Assert.Null(await _host.SendAsync("Announce", _host.Channel("carol"), JsonValue.Create(url)!));
        Assert.Equal("Shared", (await anonymous.GetVideoAsync(uuid)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Only_a_comments_author_changes_it_and_only_its_author_or_the_videos_owner_deletes_it()
    {
        await _server.FollowedAsync(_host.InstanceActor);
        var anonymous = PeerTubeClient.Anonymous(_server);
        var uuid = Guid.NewGuid();
        var videoUrl = $"{_host.Base}/videos/watch/{uuid}";
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), _host.Video(uuid, "Talk", _host.Channel("alice"), 0, _host.Account("alice"))));

        JsonObject Note(int n, string author, string text) => new()
        {
            ["type"] = "Note", ["id"] = $"{videoUrl}/comments/{n}", ["attributedTo"] = author, ["inReplyTo"] = videoUrl, ["content"] = text,
            ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        };

        Assert.Null(await _host.SendAsync("Create", _host.Account("bob"), Note(1, _host.Account("bob"), "Bob's word")));
        Assert.Null(await _host.SendAsync("Create", _host.Account("bob"), Note(2, _host.Account("bob"), "Bob again")));

        // Carol, on the same host, rewrites Bob's comment as hers, then deletes it.
        Assert.Contains("author", await _host.SendAsync("Update", _host.Account("carol"), Note(1, _host.Account("carol"), "Carol's words in Bob's mouth")));
        Assert.Contains("author", await _host.SendAsync("Delete", _host.Account("carol"), JsonValue.Create($"{videoUrl}/comments/1")!));
        var threads = (await anonymous.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("data").EnumerateArray()
            .ToDictionary(c => c.GetProperty("url").GetString()!, c => c);
        Assert.Equal("Bob's word", threads[$"{videoUrl}/comments/1"].GetProperty("text").GetString());
        Assert.False(threads[$"{videoUrl}/comments/1"].GetProperty("isDeleted").GetBoolean());

        // Bob deletes his own; Alice, whose video it is, deletes the other.
        Assert.Null(await _host.SendAsync("Delete", _host.Account("bob"), JsonValue.Create($"{videoUrl}/comments/1")!));
        Assert.Null(await _host.SendAsync("Delete", _host.Account("alice"), JsonValue.Create($"{videoUrl}/comments/2")!));
        Assert.Equal(2, await _host.QueryAsync(db => db.VideoComments.CountAsync(c => c.DeletedAt != null)));
    }

    [Fact]
    public async Task Likes_views_and_comments_on_our_private_and_internal_videos_are_refused()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var source = await TestMedia.VideoAsync(seconds: 1);
        foreach (var privacy in new[] { "3", "4" })
        {
            var created = await root.UploadVideoAsync(source, "Not for you", new Dictionary<string, string> { ["privacy"] = privacy });
            var uuid = created.GetProperty("uuid").GetString()!;
            var url = $"http://localhost/videos/watch/{uuid}";

            Assert.Contains("private", await _host.SendAsync("Like", _host.Account("bob"), JsonValue.Create(url)!));
            Assert.Contains("private", await _host.SendAsync("View", _host.Account("bob"), JsonValue.Create(url)!));
            Assert.Contains("private", await _host.SendAsync("Create", _host.Account("bob"), new JsonObject
            {
                ["type"] = "Note", ["id"] = $"{_host.Account("bob")}/notes/{privacy}", ["attributedTo"] = _host.Account("bob"), ["inReplyTo"] = url,
                ["content"] = "I found it", ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
            }));

            var video = await root.GetVideoAsync(uuid);
            Assert.Equal(0, video.GetProperty("likes").GetInt32());
            Assert.Equal(0, video.GetProperty("views").GetInt32());
            Assert.Equal(0, (await root.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("total").GetInt32());
        }
    }

    [Fact]
    public async Task A_request_signed_for_another_instance_is_not_taken_here()
    {
        var follow = $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"{{_host.Account("bob")}}/follows/1","type":"Follow",
             "actor":"{{_host.Account("bob")}}","object":"http://localhost/video-channels/root_channel"}
            """;
        using var http = _server.CreateClient();

        // Signed for other.example (its Host header too), replayed to us.
        var replayed = await _host.Remote.PostAsync("http://other.example/inbox", follow, _host.Account("bob") + "#main-key", via: http,
            tamper: request => request.RequestUri = new Uri("http://localhost/inbox"));
        await replayed.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");

        // The same, with our Host header put back: the signature no longer matches.
        var rehosted = await _host.Remote.PostAsync("http://other.example/inbox", follow, _host.Account("bob") + "#main-key", via: http,
            tamper: request =>
            {
                request.RequestUri = new Uri("http://localhost/inbox");
                request.Headers.Host = "localhost";
            });
        await rehosted.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");
        Assert.Equal(0, await _host.QueryAsync(db => db.InboxActivities.CountAsync()));

        // Signed for us, it is taken.
        var genuine = await _host.Remote.PostAsync("http://localhost/inbox", follow, _host.Account("bob") + "#main-key", via: http);
        await genuine.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }
}
