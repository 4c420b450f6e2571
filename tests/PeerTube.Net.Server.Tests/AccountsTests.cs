using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>PeerTube's OAuth contract: local client, password and refresh grants, revocation, the root account.</summary>
public sealed class AccountsTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
        new Dictionary<string, string?> { ["RateLimits:Login:PermitLimit"] = "8", ["RateLimits:Login:WindowSeconds"] = "600" });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Root_signs_in_with_the_configured_password_and_has_a_default_channel()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var me = await root.MeAsync();
        Assert.Equal("root", me.GetProperty("username").GetString());
        Assert.Equal(0, me.GetProperty("role").GetProperty("id").GetInt32());
        var channel = me.GetProperty("videoChannels")[0];
        Assert.Equal("root_channel", channel.GetProperty("name").GetString());

        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var fetched = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/root_channel");
        Assert.Equal(channel.GetProperty("id").GetInt32(), fetched.GetProperty("id").GetInt32());
        Assert.Equal("root", fetched.GetProperty("ownerAccount").GetProperty("name").GetString());
        var withHost = await anonymous.GetAsync("/api/v1/video-channels/root_channel@localhost");
        await withHost.ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await anonymous.GetAsync("/api/v1/video-channels/nobody_channel")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Wrong_credentials_get_PeerTubes_invalid_grant_error()
    {
        var http = PeerTubeClient.CreateHttpClient(_server);
        var response = await PeerTubeClient.RequestTokenAsync(http, "root", "not-the-password");
        var body = await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant");
        Assert.Equal("Invalid grant: user credentials are invalid", body.GetProperty("error").GetString());

        var unknownUser = await PeerTubeClient.RequestTokenAsync(http, "nobody", "whatever1");
        await unknownUser.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant");
    }

    [Fact]
    public async Task A_refresh_token_gives_a_new_access_token_and_revocation_ends_a_session()
    {
        var http = PeerTubeClient.CreateHttpClient(_server);
        var login = await PeerTubeClient.RequestTokenAsync(http, "root", ServerApplication.RootPassword);
        var tokens = await login.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", tokens.GetProperty("token_type").GetString());
        Assert.True(tokens.GetProperty("expires_in").GetInt32() > 0);
        Assert.True(tokens.GetProperty("refresh_token_expires_in").GetInt32() > 0);

        var client = await http.GetFromJsonAsync<JsonElement>("/api/v1/oauth-clients/local");
        var refreshed = await http.PostAsync("/api/v1/users/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = client.GetProperty("client_id").GetString()!,
            ["client_secret"] = client.GetProperty("client_secret").GetString()!,
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        }));
        await refreshed.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var newAccess = (await refreshed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        Assert.NotEqual(tokens.GetProperty("access_token").GetString(), newAccess);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", newAccess);
        await (await http.GetAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await http.PostAsync("/api/v1/users/revoke-token", null)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await http.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Tokens_are_opaque_and_a_forged_one_is_refused()
    {
        var http = PeerTubeClient.CreateHttpClient(_server);
        var login = await PeerTubeClient.RequestTokenAsync(http, "root", ServerApplication.RootPassword);
        var access = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
        Assert.DoesNotContain('.', access);

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access[..^2] + "xx");
        await (await http.GetAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    [Fact]
    public async Task Only_admins_create_users_and_a_user_gets_a_role_quota_and_channel()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var alice = await root.CreateUserAndLoginAsync(_server, "alice", videoQuota: 5_000_000);
        var me = await alice.MeAsync();
        Assert.Equal(2, me.GetProperty("role").GetProperty("id").GetInt32());
        Assert.Equal(5_000_000, me.GetProperty("videoQuota").GetInt64());
        Assert.Equal("alice_channel", me.GetProperty("videoChannels")[0].GetProperty("name").GetString());

        var asUser = await alice.Http.PostAsJsonAsync("/api/v1/users", new { username = "mallory", password = "password1", email = "m@example.test", role = 0 });
        await asUser.ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var anonymous = await PeerTubeClient.CreateHttpClient(_server)
            .PostAsJsonAsync("/api/v1/users", new { username = "mallory", password = "password1", email = "m@example.test", role = 2 });
        await anonymous.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");

        var duplicate = await root.Http.PostAsJsonAsync("/api/v1/users", new { username = "alice", password = "password1", email = "x@example.test", role = 2 });
        await duplicate.ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        var invalid = await root.Http.PostAsJsonAsync("/api/v1/users", new { username = "Bad Name!", password = "1", email = "nope", role = 2 });
        var body = await invalid.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        Assert.True(body.GetProperty("invalid-params").TryGetProperty("username", out _));
    }

    [Fact]
    public async Task Login_attempts_are_rate_limited_per_address()
    {
        var http = PeerTubeClient.CreateHttpClient(_server);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add((await PeerTubeClient.RequestTokenAsync(http, "root", "wrong-password")).StatusCode);
        }

        Assert.Contains(HttpStatusCode.BadRequest, statuses);
        var limited = await PeerTubeClient.RequestTokenAsync(http, "root", ServerApplication.RootPassword);
        await limited.ShouldBeErrorAsync(HttpStatusCode.TooManyRequests, "too_many_requests");
    }
}

/// <summary>Behind a reverse proxy on the same host (the usual nginx set-up), limits apply per real client.</summary>
public sealed class BehindAProxyTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["RateLimits:Login:PermitLimit"] = "2",
        ["Seeding:Enabled"] = "false",
    });

    [Fact]
    public async Task Login_rate_limits_count_each_forwarded_client_not_the_proxy()
    {
        await _server.StartAsync();
        using var proxy = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };

        async Task<HttpStatusCode> LoginAsync(string client)
        {
            proxy.DefaultRequestHeaders.Remove("X-Forwarded-For");
            proxy.DefaultRequestHeaders.Add("X-Forwarded-For", client);
            return (await PeerTubeClient.RequestTokenAsync(proxy, "root", "wrong-password")).StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await LoginAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.BadRequest, await LoginAsync("203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginAsync("203.0.113.1"));
        // Another client behind the same proxy is not punished for the first one.
        Assert.Equal(HttpStatusCode.BadRequest, await LoginAsync("203.0.113.2"));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
