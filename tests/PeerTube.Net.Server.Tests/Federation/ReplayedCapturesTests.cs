using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Payloads as real PeerTube and Mastodon servers send them (Fixtures/, see its README), replayed against our inbox by
/// a fake server that serves the actors and signs like the real one. Each is taken in, processed without complaint, and
/// shows through our API the way a user would look for it.
/// </summary>
public sealed class ReplayedCapturesTests : IAsyncLifetime
{
    private const string OurInbox = "http://localhost/inbox";
    private const string OurChannel = "http://localhost/video-channels/root_channel";
    private const string OurAccount = "http://localhost/accounts/root";
    private const string RemoteVideoUuid = "942d51e6-9320-4f40-980b-76bba0652bc2";

    private ServerApplication _server = null!;
    private HttpClient _http = null!;
    private readonly FakeRemote _peertube = new();
    private readonly FakeRemote _mastodon = new();

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        _http = _server.CreateClient();
        _peertube.Serve("/accounts/chocobozzz", Fixture("peertube/person.json"));
        _peertube.Serve("/video-channels/chocobozzz_channel", Fixture("peertube/group.json"));
        _peertube.Serve("/accounts/peertube", Fixture("peertube/application.json"));
        _mastodon.Serve("/users/ronan2", Fixture("mastodon/person.json"));
    }

    [Fact]
    public async Task A_PeerTube_video_is_listed_with_its_channel_its_metadata_and_its_HLS_files_at_the_origin()
    {
        await _server.FollowedAsync($"{_peertube.BaseUrl}/video-channels/chocobozzz_channel");
        await ReplayAsync(_peertube, "peertube/create-video.json", "/accounts/chocobozzz");

        var anonymous = PeerTubeClient.Anonymous(_server);
        var listed = await anonymous.ListedAsync(RemoteVideoUuid);
        Assert.NotNull(listed);
        var video = await anonymous.GetVideoAsync(RemoteVideoUuid);
        Assert.Equal("Na procházce ♥️ Walking with our gang 😃", video.GetProperty("name").GetString());
        Assert.Equal(233, video.GetProperty("duration").GetInt32());
        Assert.False(video.GetProperty("isLocal").GetBoolean());
        Assert.Equal($"{_peertube.BaseUrl}/videos/watch/{RemoteVideoUuid}", video.GetProperty("url").GetString());
        Assert.StartsWith("**Sunday walk**", video.GetProperty("description").GetString());
        Assert.Equal("Buy us a coffee", video.GetProperty("support").GetString());
        Assert.Equal(new[] { "dogs", "walk" }, video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray());
        Assert.Equal(15, video.GetProperty("category").GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("licence").GetProperty("id").GetInt32());
        Assert.Equal("cs", video.GetProperty("language").GetProperty("id").GetString());
        Assert.Equal(42, video.GetProperty("views").GetInt32());
        Assert.Equal(1, video.GetProperty("commentsPolicy").GetProperty("id").GetInt32());
        Assert.Equal(1.7778, video.GetProperty("aspectRatio").GetDouble(), 4);
        Assert.Equal(1, video.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.NotNull(video.GetProperty("thumbnailPath").GetString());

        // The channel (Group) and its owner (the Person in the Group's attributedTo) are the origin's.
        var channel = video.GetProperty("channel");
        Assert.Equal(_peertube.Host, channel.GetProperty("host").GetString());
        Assert.Equal("chocobozzz_channel", channel.GetProperty("name").GetString());
        Assert.Equal("Walks with the gang", channel.GetProperty("displayName").GetString());
        var account = video.GetProperty("account");
        Assert.Equal(_peertube.Host, account.GetProperty("host").GetString());
        Assert.Equal("chocobozzz", account.GetProperty("name").GetString());

        // Played from the origin: its master playlist, its segment hashes, one file per rendition with its torrent.
        var hls = $"{_peertube.BaseUrl}/static/streaming-playlists/hls/{RemoteVideoUuid}/";
        var playlist = Assert.Single(video.GetProperty("streamingPlaylists").EnumerateArray());
        Assert.Equal(hls + "3d412b0f-3f2e-4509-9d0f-0142223b1752-master.m3u8", playlist.GetProperty("playlistUrl").GetString());
        Assert.Equal(hls + "0c607a4c-ab78-4bed-aeef-9970abd88e77-segments-sha256.json", playlist.GetProperty("segmentsSha256Url").GetString());
        var files = playlist.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(new[] { 480, 0 }, files.Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32()));
        var p480 = files[0];
        Assert.Equal(hls + "c6b6c9fb-83da-425c-9ce6-680e00eb9ecb-480-fragmented.mp4", p480.GetProperty("fileUrl").GetString());
        Assert.Equal(hls + "c6b6c9fb-83da-425c-9ce6-680e00eb9ecb-480.m3u8", p480.GetProperty("playlistUrl").GetString());
        Assert.Equal(11260985, p480.GetProperty("size").GetInt64());
        Assert.Equal(854, p480.GetProperty("width").GetInt32());
        Assert.Equal($"{_peertube.BaseUrl}/lazy-static/torrents/fac3fb9c-55a6-4e56-82f5-8de8a3f62d8f-480-hls.torrent", p480.GetProperty("torrentUrl").GetString());
        Assert.Equal("b5a55918c3a05c2459156b6f34570ea64c69fd5a", p480.GetProperty("infoHash").GetString());
        Assert.StartsWith("magnet:?xs=", p480.GetProperty("magnetUri").GetString());
        var audio = files[1];
        Assert.False(audio.GetProperty("hasVideo").GetBoolean());
        Assert.Equal("395086b81fae8b1b9f7d0a03375c66214acff459", audio.GetProperty("infoHash").GetString());
    }

    [Fact]
    public async Task A_PeerTube_video_with_web_videos_only_lists_its_files_and_plays_its_720p_file_from_the_origin()
    {
        const string uuid = "5c6fd1a2-8f3e-4b8a-9d6e-3a1f0b7c2e44";
        await _server.FollowedAsync($"{_peertube.BaseUrl}/accounts/peertube");
        await ReplayAsync(_peertube, "peertube/create-video-web-videos.json", "/accounts/chocobozzz");

        var anonymous = PeerTubeClient.Anonymous(_server);
        var video = await anonymous.GetVideoAsync(uuid);
        Assert.Equal("An old web video", video.GetProperty("name").GetString());
        Assert.Empty(video.GetProperty("streamingPlaylists").EnumerateArray());
        var files = video.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(new[] { 1080, 720, 360 }, files.Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32()));
        var p720 = files[1];
        Assert.Equal($"{_peertube.BaseUrl}/static/web-videos/{uuid}-720.mp4", p720.GetProperty("fileUrl").GetString());
        Assert.Equal(21000000, p720.GetProperty("size").GetInt64());
        Assert.Equal($"{_peertube.BaseUrl}/lazy-static/torrents/9102-720.torrent", p720.GetProperty("torrentUrl").GetString());
        Assert.StartsWith("magnet:?xs=", p720.GetProperty("magnetUri").GetString());

        // Its watch page hands the player the 720p file (PeerTube's default quality), at the origin, and no swarms.
        var page = await anonymous.Http.GetStringAsync($"/videos/watch/{uuid}");
        var parsed = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page);
        var config = JsonDocument.Parse(parsed.QuerySelector("#pt-player[data-config]")!.GetAttribute("data-config")!).RootElement;
        Assert.Equal($"{_peertube.BaseUrl}/static/web-videos/{uuid}-720.mp4", config.GetProperty("webVideoUrl").GetString());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("hlsUrl").ValueKind);
        Assert.False(config.GetProperty("p2p").GetProperty("enabled").GetBoolean());
        // The download menu offers each file and its torrent, at the origin.
        var downloads = parsed.QuerySelectorAll("details#download-menu a.download-file").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(files.Select(f => f.GetProperty("fileUrl").GetString()), downloads);
    }

    [Fact]
    public async Task A_PeerTube_live_waits_streams_from_the_origin_and_ends_with_its_owners_updates_and_no_one_elses()
    {
        const string uuid = "6f1c9e2a-4d7b-4c1e-9a3f-8b2d5e7c1a90";
        await _server.FollowedAsync($"{_peertube.BaseUrl}/video-channels/chocobozzz_channel");
        var anonymous = PeerTubeClient.Anonymous(_server);

        // Created while it waits for its stream: a live, state 4, nothing to play yet, not in the public list.
        await ReplayAsync(_peertube, "peertube/create-live.json", "/accounts/chocobozzz");
        var waiting = await anonymous.GetVideoAsync(uuid);
        Assert.True(waiting.GetProperty("isLive").GetBoolean());
        Assert.Equal(4, waiting.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Empty(waiting.GetProperty("streamingPlaylists").EnumerateArray());
        Assert.Null(await anonymous.ListedAsync(uuid));

        // It streams: state 1, listed as a live (and by the isLive filter), played from the origin's live playlist.
        await ReplayAsync(_peertube, "peertube/update-live-published.json", "/accounts/chocobozzz");
        var hls = $"{_peertube.BaseUrl}/static/streaming-playlists/hls/{uuid}/";
        var streaming = await anonymous.GetVideoAsync(uuid);
        Assert.Equal(1, streaming.GetProperty("state").GetProperty("id").GetInt32());
        var playlist = Assert.Single(streaming.GetProperty("streamingPlaylists").EnumerateArray());
        Assert.Equal(hls + "master.m3u8", playlist.GetProperty("playlistUrl").GetString());
        Assert.Equal(hls + "segments-sha256.json", playlist.GetProperty("segmentsSha256Url").GetString());
        Assert.True((await anonymous.ListedAsync(uuid))!.Value.GetProperty("isLive").GetBoolean());
        var lives = await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos?isLive=true");
        Assert.Contains(lives.GetProperty("data").EnumerateArray(), v => v.GetProperty("uuid").GetString() == uuid);
        var uploads = await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos?isLive=false");
        Assert.DoesNotContain(uploads.GetProperty("data").EnumerateArray(), v => v.GetProperty("uuid").GetString() == uuid);
        foreach (var page in new[] { $"/videos/watch/{uuid}", $"/videos/embed/{uuid}" })
        {
            var config = await PlayerConfigAsync(anonymous, page);
            Assert.Equal(hls + "master.m3u8", config.GetProperty("hlsUrl").GetString());
            Assert.Equal(hls + "segments-sha256.json", config.GetProperty("segmentsSha256Url").GetString());
            Assert.Equal(1, config.GetProperty("state").GetInt32());
            Assert.Equal(3, config.GetProperty("latencyMode").GetInt32());
        }

        // Another account of the same instance says it ended: not its live, dropped.
        var mallory = _peertube.Person("mallory");
        var forged = Fixture("peertube/update-live-ended.json")
            .Replace("\"actor\": \"{{base}}/accounts/chocobozzz\"", $"\"actor\": \"{mallory}\"", StringComparison.Ordinal)
            .Replace("/updates/2024-06-02T08:41:55.002Z", "/updates/forged", StringComparison.Ordinal);
        Assert.Contains(mallory, forged, StringComparison.Ordinal);
        var refused = await ReplayAsync(_peertube, "peertube/update-live-ended.json", "/users/mallory", expectUsed: false, json: forged);
        Assert.NotNull(refused.Error);
        Assert.Equal(1, (await anonymous.GetVideoAsync(uuid)).GetProperty("state").GetProperty("id").GetInt32());

        // Its owner says it ended: state 5, nothing to play, and the player says so.
        await ReplayAsync(_peertube, "peertube/update-live-ended.json", "/accounts/chocobozzz");
        var ended = await anonymous.GetVideoAsync(uuid);
        Assert.Equal(5, ended.GetProperty("state").GetProperty("id").GetInt32());
        Assert.True(ended.GetProperty("isLive").GetBoolean());
        Assert.Empty(ended.GetProperty("streamingPlaylists").EnumerateArray());
        var endedConfig = await PlayerConfigAsync(anonymous, $"/videos/watch/{uuid}");
        Assert.Equal(5, endedConfig.GetProperty("state").GetInt32());
        Assert.Equal(JsonValueKind.Null, endedConfig.GetProperty("hlsUrl").ValueKind);
    }

    private static async Task<JsonElement> PlayerConfigAsync(PeerTubeClient client, string path)
    {
        var html = await client.Http.GetStringAsync(path);
        var mount = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelector("#pt-player[data-config]");
        Assert.NotNull(mount);
        return JsonDocument.Parse(mount.GetAttribute("data-config")!).RootElement.Clone();
    }

    [Fact]
        public async Task A_PeerTube_users_comment_like_and_view_of_our_video_are_counted_and_a_live_viewer_report_is_a_viewer_not_a_view()
    {
        var (uuid, videoUrl) = await PublishOursAsync();
        var ours = new Dictionary<string, string> { ["{{ourVideo}}"] = videoUrl, ["{{ourVideoUuid}}"] = uuid };

        await ReplayAsync(_peertube, "peertube/create-comment.json", "/accounts/chocobozzz", ours);
        await ReplayAsync(_peertube, "peertube/like.json", "/accounts/chocobozzz", ours);
        await ReplayAsync(_peertube, "peertube/view.json", "/accounts/peertube", ours);

        var anonymous = PeerTubeClient.Anonymous(_server);
        var video = await anonymous.GetVideoAsync(uuid);
        Assert.Equal(1, video.GetProperty("likes").GetInt32());
        Assert.Equal(1, video.GetProperty("views").GetInt32());

        var comment = Assert.Single((await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("data").EnumerateArray());
        Assert.Equal("Great video! What **camera** did you use?", comment.GetProperty("text").GetString());
        Assert.Equal($"{_peertube.BaseUrl}/videos/watch/{uuid}/comments/6042", comment.GetProperty("url").GetString());
        Assert.Equal("chocobozzz", comment.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(_peertube.Host, comment.GetProperty("account").GetProperty("host").GetString());

        // PeerTube's "viewer protocol v2": a View with expires, one per viewer watching right now. On our video it is
        // one viewer (whatever count it carries, as PeerTube's origin counts it), and it adds nothing to the views.
        Assert.Equal(0, video.GetProperty("viewers").GetInt32());
        await ReplayAsync(_peertube, "peertube/view-viewer.json", "/accounts/peertube", ours);
        var after = await anonymous.GetVideoAsync(uuid);
        Assert.Equal(1, after.GetProperty("viewers").GetInt32());
        Assert.Equal(1, after.GetProperty("views").GetInt32());
    }

    [Fact]
    public async Task A_Mastodon_user_follows_our_channel_is_accepted_and_listed_then_unfollows()
    {
        await ReplayAsync(_mastodon, "mastodon/follow.json", "/users/ronan2");

        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var follower = Assert.Single((await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/followers")).GetProperty("data").EnumerateArray());
        Assert.Equal("accepted", follower.GetProperty("state").GetString());
        Assert.Equal("ronan2", follower.GetProperty("follower").GetProperty("name").GetString());
        Assert.Equal(_mastodon.Host, follower.GetProperty("follower").GetProperty("host").GetString());
        Assert.Equal("Ronan :verified:", follower.GetProperty("follower").GetProperty("displayName").GetString());
        Assert.Equal(OurChannel, follower.GetProperty("following").GetProperty("url").GetString());

        // Mastodon is answered at the follower's own inbox, with its Follow's id.
        var accept = await FederationTestKit.EventuallyAsync(
            () => Task.FromResult<JsonElement?>(_mastodon.Received.Where(r => r.Body.GetProperty("type").GetString() == "Accept").Select(r => (JsonElement?)r.Body).FirstOrDefault()),
            "ronan2 to receive the Accept");
        Assert.Equal(OurChannel, accept!.Value.GetProperty("actor").GetString());
        Assert.Equal($"{_mastodon.BaseUrl}/d0a3b5e8-62c6-4b2b-9f4e-6a2f0d8c1b57", accept.Value.GetProperty("object").GetProperty("id").GetString());
        Assert.Contains(_mastodon.Received, r => r.Path == "/users/ronan2/inbox" && r.Body.GetProperty("type").GetString() == "Accept");

        await ReplayAsync(_mastodon, "mastodon/undo-follow.json", "/users/ronan2");
        Assert.Equal(0, (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/followers")).GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_Mastodon_like_and_reply_to_our_video_count_and_show_as_a_comment_thread()
    {
        var (uuid, videoUrl) = await PublishOursAsync();
        var ours = new Dictionary<string, string> { ["{{ourVideo}}"] = videoUrl };

        await ReplayAsync(_mastodon, "mastodon/like.json", "/users/ronan2", ours);
        await ReplayAsync(_mastodon, "mastodon/create-note-reply.json", "/users/ronan2", ours);

        var anonymous = PeerTubeClient.Anonymous(_server);
        Assert.Equal(1, (await anonymous.GetVideoAsync(uuid)).GetProperty("likes").GetInt32());
        var thread = Assert.Single((await anonymous.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{uuid}/comment-threads")).GetProperty("data").EnumerateArray());
        var text = thread.GetProperty("text").GetString()!;
        Assert.Contains("zerg", text);
        // Mastodon wraps a mention in <span>s, which are not kept; the mention's link and its text are.
        Assert.Contains($"href=\"{OurAccount}\"", text);
        Assert.Contains(">@root</a>", text);
        Assert.DoesNotContain("<span", text, StringComparison.Ordinal);
        Assert.Equal($"{_mastodon.BaseUrl}/users/ronan2/statuses/100939345950887698", thread.GetProperty("url").GetString());
        Assert.Equal("ronan2", thread.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(_mastodon.Host, thread.GetProperty("account").GetProperty("host").GetString());
        Assert.Equal(DateTimeOffset.Parse("2018-10-22T12:43:07Z", System.Globalization.CultureInfo.InvariantCulture),
            thread.GetProperty("createdAt").GetDateTimeOffset());
    }

    /// <summary>Posts a fixture to our shared inbox, signed as the actor at <paramref name="actorPath"/>, and waits until it is processed.</summary>
    /// <param name="json">The fixture as the test changed it (a forgery); the fixture itself when null.</param>
    private async Task<InboxActivity> ReplayAsync(FakeRemote remote, string fixture, string actorPath, IReadOnlyDictionary<string, string>? ours = null,
        bool expectUsed = true, string? json = null)
    {
        json = (json ?? Fixture(fixture))
            .Replace("{{ourAccount}}", OurAccount, StringComparison.Ordinal)
            .Replace("{{ourChannel}}", OurChannel, StringComparison.Ordinal)
            .Replace("{{ourHost}}", "localhost", StringComparison.Ordinal);
        foreach (var (placeholder, value) in ours ?? new Dictionary<string, string>())
        {
            json = json.Replace(placeholder, value, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("{{our", json, StringComparison.Ordinal); // A placeholder the test forgot to fill.
        var response = await remote.PostAsync(OurInbox, json, $"{remote.BaseUrl}{actorPath}#main-key", via: _http);
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        var id = JsonDocument.Parse(remote.Expand(json)).RootElement.GetProperty("id").GetString()!;
        var row = await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = _server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.InboxActivities.AsNoTracking().FirstOrDefaultAsync(a => a.ActivityId == id && a.ProcessedAt != null);
        }, $"{fixture} to be processed");
        if (expectUsed)
        {
            Assert.True(row.Error is null, $"{fixture} was stored but not used: {row.Error}");
        }

        return row;
    }

    /// <summary>A video of ours, published through the API as a user would.</summary>
    private async Task<(string Uuid, string Url)> PublishOursAsync()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(seconds: 1), "Ours");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        return (video.GetProperty("uuid").GetString()!, video.GetProperty("url").GetString()!);
    }

    private static string Fixture(string name) => FederationTestKit.Fixture(name);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _peertube.DisposeAsync();
        await _mastodon.DisposeAsync();
        await _server.DisposeAsync();
    }
}
