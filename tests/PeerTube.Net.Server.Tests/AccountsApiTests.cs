using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>Accounts as PeerTube shows them: GET /api/v1/accounts/{name} and their channels; /users/me with the same shapes.</summary>
public sealed class AccountsApiTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _alice = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _alice = await _root.CreateUserAndLoginAsync(_server, "alice");
        _anonymous = PeerTubeClient.CreateHttpClient(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _alice.Dispose();
        _anonymous.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Anyone_sees_an_account_by_name_or_handle()
    {
        var me = await _alice.MeAsync();
        var account = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice");
        Assert.Equal(me.GetProperty("account").GetProperty("id").GetInt32(), account.GetProperty("id").GetInt32());
        Assert.Equal("alice", account.GetProperty("name").GetString());
        Assert.Equal("alice", account.GetProperty("displayName").GetString());
        Assert.Equal("http://localhost/accounts/alice", account.GetProperty("url").GetString());
        Assert.Equal("localhost", account.GetProperty("host").GetString());
        Assert.Equal(me.GetProperty("id").GetInt32(), account.GetProperty("userId").GetInt32());
        Assert.Equal(0, account.GetProperty("followersCount").GetInt32());
        Assert.True(account.TryGetProperty("createdAt", out _));
        Assert.Equal(JsonValueKind.Array, account.GetProperty("avatars").ValueKind);

        var byHandle = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice@localhost");
        Assert.Equal("alice", byHandle.GetProperty("name").GetString());
        await (await _anonymous.GetAsync("/api/v1/accounts/alice@elsewhere.example")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await _anonymous.GetAsync("/api/v1/accounts/nobody")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Anyone_lists_an_accounts_channels()
    {
        var channels = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice/video-channels");
        Assert.Equal(1, channels.GetProperty("total").GetInt32());
        var channel = channels.GetProperty("data")[0];
        Assert.Equal("alice_channel", channel.GetProperty("name").GetString());
        Assert.Equal("Main alice channel", channel.GetProperty("displayName").GetString());
        Assert.Equal("alice", channel.GetProperty("ownerAccount").GetProperty("name").GetString());
        Assert.Equal(await _alice.MyChannelIdAsync(), channel.GetProperty("id").GetInt32());

        var empty = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice/video-channels?start=1&sort=name");
        Assert.Equal(1, empty.GetProperty("total").GetInt32());
        Assert.Equal(0, empty.GetProperty("data").GetArrayLength());

        await (await _anonymous.GetAsync("/api/v1/accounts/alice/video-channels?sort=secret")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _anonymous.GetAsync("/api/v1/accounts/alice/video-channels?count=500")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _anonymous.GetAsync("/api/v1/accounts/nobody/video-channels")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Users_me_has_PeerTubes_user_shape()
    {
        var me = await _alice.MeAsync();
        Assert.Equal("alice", me.GetProperty("username").GetString());
        Assert.Equal(2, me.GetProperty("role").GetProperty("id").GetInt32());
        Assert.Equal(0, me.GetProperty("videoQuotaUsed").GetInt64());
        Assert.Equal("alice", me.GetProperty("account").GetProperty("name").GetString());
        Assert.Equal("alice_channel", me.GetProperty("videoChannels")[0].GetProperty("name").GetString());
        await (await _anonymous.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
    }
}
