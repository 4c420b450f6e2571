using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>PeerTube's admin users API (/api/v1/users): who may list, see, change and delete users, and what deleting leaves.</summary>
public sealed class AdminUsersTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _moderator = null!;
    private PeerTubeClient _alice = null!;
    private PeerTubeClient _bob = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _moderator = await CreateAsync("moderator", role: 1);
        _alice = await _root.CreateUserAndLoginAsync(_server, "alice");
        _bob = await _root.CreateUserAndLoginAsync(_server, "bob");
        _anonymous = PeerTubeClient.CreateHttpClient(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _moderator.Dispose();
        _alice.Dispose();
        _bob.Dispose();
        _anonymous.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Admins_and_moderators_list_users_with_paging_sort_and_search()
    {
        using var zed = await _root.CreateUserAndLoginAsync(_server, "list_zed");
        using var amy = await _root.CreateUserAndLoginAsync(_server, "list_amy");

        var all = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?count=100");
        Assert.Equal(all.GetProperty("data").GetArrayLength(), all.GetProperty("total").GetInt32());
        Assert.Contains("root", Usernames(all));

        var list = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=list_&sort=username");
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.Equal(["list_amy", "list_zed"], Usernames(list));
        var user = list.GetProperty("data")[0];
        Assert.Equal("list_amy@example.test", user.GetProperty("email").GetString());
        Assert.Equal(2, user.GetProperty("role").GetProperty("id").GetInt32());
        Assert.Equal("User", user.GetProperty("role").GetProperty("label").GetString());
        Assert.Equal(-1, user.GetProperty("videoQuota").GetInt64());
        Assert.Equal(-1, user.GetProperty("videoQuotaDaily").GetInt64());
        Assert.Equal(0, user.GetProperty("videoQuotaUsed").GetInt64());
        Assert.False(user.GetProperty("blocked").GetBoolean());
        Assert.True(user.TryGetProperty("createdAt", out _));
        Assert.Equal("list_amy", user.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal(user.GetProperty("id").GetInt32(), user.GetProperty("account").GetProperty("userId").GetInt32());

        var page = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=list_&sort=-username&start=1&count=1");
        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal(["list_amy"], Usernames(page));

        var search = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=LIST_A");
        Assert.Equal(["list_amy"], Usernames(search));
        var byEmail = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=list_zed@example");
        Assert.Equal(["list_zed"], Usernames(byEmail));

        // Quota used is counted per user, and sortable.
        await zed.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Zed uses some quota");
        var byQuota = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users?search=list_&sort=-videoQuotaUsed");
        Assert.Equal("list_zed", byQuota.GetProperty("data")[0].GetProperty("username").GetString());
        Assert.True(byQuota.GetProperty("data")[0].GetProperty("videoQuotaUsed").GetInt64() > 0);

        var byModerator = await _moderator.Http.GetAsync("/api/v1/users");
        await byModerator.ShouldHaveStatusAsync(HttpStatusCode.OK);

        await (await _alice.Http.GetAsync("/api/v1/users")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.GetAsync("/api/v1/users")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
        await (await _root.Http.GetAsync("/api/v1/users?sort=password")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.GetAsync("/api/v1/users?count=101")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.GetAsync("/api/v1/users?start=-1")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task Admins_and_moderators_see_one_user()
    {
        var aliceId = await IdOfAsync(_alice);
        var alice = await _root.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/{aliceId}");
        Assert.Equal("alice", alice.GetProperty("username").GetString());
        Assert.Equal("alice_channel", alice.GetProperty("videoChannels")[0].GetProperty("name").GetString());
        await (await _moderator.Http.GetAsync($"/api/v1/users/{aliceId}")).ShouldHaveStatusAsync(HttpStatusCode.OK);

        await (await _bob.Http.GetAsync($"/api/v1/users/{aliceId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _alice.Http.GetAsync($"/api/v1/users/{aliceId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.GetAsync($"/api/v1/users/{aliceId}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await _root.Http.GetAsync("/api/v1/users/99999")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Admins_change_quota_email_and_role_and_nobody_else_does()
    {
        var aliceId = await IdOfAsync(_alice);
        var change = new { videoQuota = 1_000_000, videoQuotaDaily = 500_000, email = "Alice.New@Example.test" };

        await (await _bob.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", change)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _alice.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", change)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.PutAsJsonAsync($"/api/v1/users/{aliceId}", change)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        Assert.Equal(-1, (await _alice.MeAsync()).GetProperty("videoQuota").GetInt64());

        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", change)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var me = await _alice.MeAsync();
        Assert.Equal(1_000_000, me.GetProperty("videoQuota").GetInt64());
        Assert.Equal(500_000, me.GetProperty("videoQuotaDaily").GetInt64());
        Assert.Equal("alice.new@example.test", me.GetProperty("email").GetString());

        // Moderators manage plain users' quotas, but neither roles nor other moderators and admins.
        await (await _moderator.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", new { videoQuota = 2_000_000 }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(2_000_000, (await _alice.MeAsync()).GetProperty("videoQuota").GetInt64());
        await (await _moderator.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", new { role = 1 })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var rootId = await IdOfAsync(_root);
        await (await _moderator.Http.PutAsJsonAsync($"/api/v1/users/{rootId}", new { videoQuota = 1 })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.Equal(-1, (await _root.MeAsync()).GetProperty("videoQuota").GetInt64());

        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{rootId}", new { role = 2 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", new { videoQuota = -5 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", new { role = 9 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{aliceId}", new { email = "bob@example.test" })).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        await (await _root.Http.PutAsJsonAsync("/api/v1/users/99999", new { videoQuota = 1 })).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        // A new role applies at once: the tokens that carry the old one stop working.
        using var frank = await _root.CreateUserAndLoginAsync(_server, "frank");
        var frankId = await IdOfAsync(frank);
        await (await frank.Http.GetAsync("/api/v1/users")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _root.Http.PutAsJsonAsync($"/api/v1/users/{frankId}", new { role = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await frank.Http.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        using var promoted = await PeerTubeClient.LoginAsync(_server, "frank", "frank-password");
        Assert.Equal(1, (await promoted.MeAsync()).GetProperty("role").GetProperty("id").GetInt32());
        await (await promoted.Http.GetAsync("/api/v1/users")).ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_admins_delete_users_and_nothing_of_the_user_is_left()
    {
        using var carol = await _root.CreateUserAndLoginAsync(_server, "carol");
        var carolId = await IdOfAsync(carol);
        var created = await carol.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Carol's only video");
        var video = await carol.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        var uuid = video.GetProperty("uuid").GetString()!;
        var hls = _server.StoragePath("streaming-playlists", "hls", uuid);
        var thumbnail = _server.StoragePath("thumbnails", Path.GetFileName(video.GetProperty("thumbnailPath").GetString()!));
        var torrent = _server.StoragePath("torrents", Path.GetFileName(video.GetProperty("streamingPlaylists")[0].GetProperty("files")[0]
            .GetProperty("torrentUrl").GetString()!));
        Assert.True(Directory.Exists(hls));
        Assert.True(File.Exists(thumbnail));
        Assert.True(File.Exists(torrent));

        // An unfinished resumable upload, whose bytes wait in tmp/resumable-uploads.
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(160, 90, seconds: 2));
        var session = await carol.StartResumableUploadAsync("half.mp4", bytes.Length, "Half uploaded");
        await session.ShouldHaveStatusAsync(HttpStatusCode.Created);
        await (await carol.PutChunkAsync(session.Headers.Location!.ToString(), bytes, 0, bytes.Length / 2))
            .ShouldHaveStatusAsync(HttpStatusCode.PermanentRedirect);
        Assert.NotEmpty(Directory.EnumerateFiles(_server.StoragePath("tmp", "resumable-uploads")));

        await (await _bob.Http.DeleteAsync($"/api/v1/users/{carolId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _moderator.Http.DeleteAsync($"/api/v1/users/{carolId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.DeleteAsync($"/api/v1/users/{carolId}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await carol.Http.GetAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.OK);

        await (await _root.Http.DeleteAsync($"/api/v1/users/{await IdOfAsync(_root)}")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        using var otherAdmin = await CreateAsync("second_admin", role: 0);
        await (await otherAdmin.Http.DeleteAsync($"/api/v1/users/{await IdOfAsync(otherAdmin)}")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await otherAdmin.Http.DeleteAsync($"/api/v1/users/{await IdOfAsync(_root)}")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _root.Http.DeleteAsync("/api/v1/users/99999")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        await (await _root.Http.DeleteAsync($"/api/v1/users/{carolId}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await (await carol.Http.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await _root.Http.GetAsync($"/api/v1/users/{carolId}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await _root.Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await _anonymous.GetAsync("/api/v1/accounts/carol")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await _anonymous.GetAsync("/api/v1/video-channels/carol_channel")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.False(Directory.Exists(hls));
        Assert.False(File.Exists(thumbnail));
        Assert.False(File.Exists(torrent));
        Assert.Empty(Directory.EnumerateFiles(_server.StoragePath("tmp", "resumable-uploads")));
        Assert.Empty(_server.LeftoverTemporaryFiles());

        // The name is free again.
        using var again = await _root.CreateUserAndLoginAsync(_server, "carol");
        Assert.Equal(0, (await again.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos")).GetProperty("total").GetInt32());
    }

    private async Task<PeerTubeClient> CreateAsync(string username, int role)
    {
        var response = await _root.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username, password = username + "-password", email = $"{username}@example.test", role, videoQuota = -1, videoQuotaDaily = -1,
        });
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await PeerTubeClient.LoginAsync(_server, username, username + "-password");
    }

    private static async Task<int> IdOfAsync(PeerTubeClient client) => (await client.MeAsync()).GetProperty("id").GetInt32();

    private static string[] Usernames(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(u => u.GetProperty("username").GetString()!).ToArray();
}

/// <summary>The same queries (search, quota subquery sort, cascade delete) as PostgreSQL translates them.</summary>
public sealed class AdminUsersOnPostgresTests
{
    [Fact]
    public async Task Listing_sorting_and_deleting_users_work_on_PostgreSQL()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Postgres);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var dana = await root.CreateUserAndLoginAsync(server, "dana");
        var danaId = (await dana.MeAsync()).GetProperty("id").GetInt32();

        foreach (var sort in new[] { "-videoQuotaUsed", "username", "-role", "createdAt", "lastLoginDate", "id" })
        {
            var list = await root.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users?sort={sort}&search=DAN");
            Assert.Equal(1, list.GetProperty("total").GetInt32());
            Assert.Equal("dana", list.GetProperty("data")[0].GetProperty("username").GetString());
        }

        var channels = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/dana/video-channels?sort=-updatedAt");
        Assert.Equal("dana_channel", channels.GetProperty("data")[0].GetProperty("name").GetString());

        await (await root.Http.PutAsJsonAsync($"/api/v1/users/{danaId}", new { videoQuota = 42, role = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.DeleteAsync($"/api/v1/users/{danaId}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.GetAsync("/api/v1/accounts/dana")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }
}
