using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Accounts;
using OtpNet;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Accounts;

/// <summary>
/// Issue 17: two-factor authentication (TOTP) as PeerTube does it, and moderators blocking users.
/// </summary>
public sealed class TwoFactorAndBlockTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    [Fact]
    public async Task A_user_turns_on_two_factor_and_then_signs_in_with_a_code_from_the_app()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var alice = await root.CreateUserAndLoginAsync(_server, "alice");
        var bob = await root.CreateUserAndLoginAsync(_server, "bob");
        var aliceId = (await alice.MeAsync()).GetProperty("id").GetInt32();
        var anonymous = PeerTubeClient.Anonymous(_server);

        // Only Alice starts it for Alice, and only with her password.
        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/request", new { currentPassword = "alice-password" })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await bob.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/request", new { currentPassword = "alice-password" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await alice.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/request", new { currentPassword = "wrong-password" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        var requested = await alice.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/request", new { currentPassword = "alice-password" });
        await requested.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var otp = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("otpRequest");
        var secret = otp.GetProperty("secret").GetString()!;
        Assert.StartsWith("otpauth://totp/", otp.GetProperty("uri").GetString());
        var app = new Totp(Base32Encoding.ToBytes(secret));

        // The app proves it has the secret; a wrong code or request token changes nothing.
        var requestToken = otp.GetProperty("requestToken").GetString()!;
        await (await alice.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/confirm-request", new { requestToken, otpToken = "000000" == app.ComputeTotp() ? "111111" : "000000" }))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await alice.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/confirm-request", new { requestToken = "nope", otpToken = app.ComputeTotp() }))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        Assert.False((await alice.MeAsync()).GetProperty("twoFactorEnabled").GetBoolean());
        await (await alice.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/confirm-request", new { requestToken, otpToken = app.ComputeTotp() }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.True((await alice.MeAsync()).GetProperty("twoFactorEnabled").GetBoolean());

        // The seed is sealed at rest (keys/secrets.key): the database alone does not give it away.
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.Where(u => u.Username == "alice").Select(u => u.OtpSecret).SingleAsync();
            Assert.StartsWith("v1:", stored, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        // Now the password alone is not enough: PeerTube's 401 with x-peertube-otp, then a 403 for a wrong code.
        var missing = await PeerTubeClient.RequestTokenAsync(anonymous.Http, "alice", "alice-password");
        await missing.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "missing_two_factor");
        Assert.Equal("required; app", string.Join(",", missing.Headers.GetValues("x-peertube-otp")));
        var wrong = await TokenWithCodeAsync(anonymous.Http, "alice", "alice-password", "123456" == app.ComputeTotp() ? "654321" : "123456");
        await wrong.ShouldBeErrorAsync(HttpStatusCode.Forbidden, "invalid_two_factor");

        // The confirming code was used: the next time step's code (the app's next one) signs in, once.
        var next = app.ComputeTotp(DateTime.UtcNow.AddSeconds(30));
        var signedIn = await TokenWithCodeAsync(anonymous.Http, "alice", "alice-password", next);
        await signedIn.ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await TokenWithCodeAsync(anonymous.Http, "alice", "alice-password", next)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "invalid_two_factor");

        // Turning it off: Alice with her password, or an administrator; not Bob.
        await (await bob.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/disable", new { currentPassword = "bob-password" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.PostAsJsonAsync($"/api/v1/users/{aliceId}/two-factor/disable", new { })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await PeerTubeClient.LoginAsync(_server, "alice", "alice-password");
    }

    [Fact]
    public async Task A_moderator_blocks_a_user_whose_sessions_end_and_who_cannot_sign_in_until_unblocked()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var moderator = await root.Http.PostAsJsonAsync("/api/v1/users", new { username = "mod", password = "mod-password", email = "mod@example.test", role = 1 });
        await moderator.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var mod = await PeerTubeClient.LoginAsync(_server, "mod", "mod-password");
        var troll = await root.CreateUserAndLoginAsync(_server, "troll");
        var other = await root.CreateUserAndLoginAsync(_server, "other");
        var trollId = (await troll.MeAsync()).GetProperty("id").GetInt32();
        var modId = (await mod.MeAsync()).GetProperty("id").GetInt32();

        await (await PeerTubeClient.Anonymous(_server).Http.PostAsJsonAsync($"/api/v1/users/{trollId}/block", new { reason = "spam" })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await other.Http.PostAsJsonAsync($"/api/v1/users/{trollId}/block", new { reason = "spam" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await mod.Http.PostAsJsonAsync($"/api/v1/users/{modId}/block", new { reason = "me" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        await (await mod.Http.PostAsJsonAsync($"/api/v1/users/{trollId}/block", new { reason = "Spam in every comment" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await troll.Http.GetAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        var refused = await PeerTubeClient.RequestTokenAsync(PeerTubeClient.Anonymous(_server).Http, "troll", "troll-password");
        Assert.Contains("blocked", (await refused.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant")).GetProperty("detail").GetString());
        var shown = await root.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/{trollId}");
        Assert.True(shown.GetProperty("blocked").GetBoolean());
        Assert.Equal("Spam in every comment", shown.GetProperty("blockedReason").GetString());

        // A moderator cannot block another moderator; an administrator can set admin flags, a moderator cannot.
        await (await mod.Http.PostAsJsonAsync($"/api/v1/users/{(await root.MeAsync()).GetProperty("id").GetInt32()}/block", new { })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await mod.Http.PutAsJsonAsync($"/api/v1/users/{trollId}", new { adminFlags = 1 })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.PutAsJsonAsync($"/api/v1/users/{trollId}", new { adminFlags = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, (await root.Http.GetFromJsonAsync<JsonElement>($"/api/v1/users/{trollId}")).GetProperty("adminFlags").GetInt32());

        await (await mod.Http.PostAsync($"/api/v1/users/{trollId}/unblock", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await PeerTubeClient.LoginAsync(_server, "troll", "troll-password");
    }

    private static async Task<HttpResponseMessage> TokenWithCodeAsync(HttpClient http, string username, string password, string code)
    {
        var client = await http.GetFromJsonAsync<JsonElement>("/api/v1/oauth-clients/local");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = client.GetProperty("client_id").GetString()!, ["client_secret"] = client.GetProperty("client_secret").GetString()!,
                ["grant_type"] = "password", ["username"] = username, ["password"] = password,
            }),
        };
        request.Headers.Add("x-peertube-otp", code);
        return await http.SendAsync(request);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
