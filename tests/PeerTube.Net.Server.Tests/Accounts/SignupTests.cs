using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using netDumbster.smtp;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Accounts;

/// <summary>
/// Issue 17, "Accounts": a visitor signs up, checks their email from a real SMTP server on loopback and signs in; a
/// forgotten password is reset by mail; a moderator accepts or rejects registration requests. The "ask" and
/// sign-up routes are rate-limited per address.
/// </summary>
public sealed partial class SignupTests : IAsyncLifetime
{
    private SimpleSmtpServer _smtp = null!;
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync()
    {
        _smtp = SimpleSmtpServer.Start(ServerProcess.FreePort());
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?>
        {
            ["Email:Smtp:Host"] = "127.0.0.1", ["Email:Smtp:Port"] = _smtp.Configuration.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None", ["Email:From"] = "videos@example.test",
            // Every request counts, refused ones too: four sign-up requests per address in this story, the fifth is refused.
            ["RateLimits:Signup:PermitLimit"] = "4",
        });
    }

    [Fact]
    public async Task A_visitor_signs_up_verifies_the_email_signs_in_and_resets_a_forgotten_password()
    {
        var anonymous = PeerTubeClient.Anonymous(_server);
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var body = new { username = "walker", password = "first-password", email = "walker@example.test", channel = new { name = "walker_videos", displayName = "Walks" } };

        // Closed by default: the config says so and the route agrees.
        Assert.False((await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config")).GetProperty("signup").GetProperty("allowed").GetBoolean());
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/register", body)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        await ConfigureSignupAsync(root, requiresApproval: false, requiresEmailVerification: true);
        var config = await anonymous.Http.GetFromJsonAsync<JsonElement>("/api/v1/config");
        Assert.True(config.GetProperty("signup").GetProperty("allowed").GetBoolean());
        Assert.True(config.GetProperty("signup").GetProperty("requiresEmailVerification").GetBoolean());
        Assert.True(config.GetProperty("email").GetProperty("enabled").GetBoolean());

        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/register", body)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var mail = await MailToAsync("walker@example.test", "verify-account/email");
        var link = LinkIn(mail);
        var userId = QueryValue(link, "userId");
        var secret = QueryValue(link, "verificationString");

        // Not before the link is followed.
        var early = await PeerTubeClient.RequestTokenAsync(anonymous.Http, "walker", "first-password");
        Assert.Contains("not verified", (await early.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant")).GetProperty("detail").GetString());

        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/users/{userId}/verify-email", new { verificationString = "0" + secret[1..] }))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/users/{userId}/verify-email", new { verificationString = secret })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/users/{userId}/verify-email", new { verificationString = secret })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        var walker = await PeerTubeClient.LoginAsync(_server, "walker", "first-password");
        var me = await walker.MeAsync();
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("walker_videos", me.GetProperty("videoChannels")[0].GetProperty("name").GetString());

        // A forgotten password: an unknown address gets the same answer and no mail; the right one gets a link.
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/ask-reset-password", new { email = "nobody@example.test" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/ask-reset-password", new { email = "walker@example.test" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var reset = LinkIn(await MailToAsync("walker@example.test", "reset-password"));
        Assert.DoesNotContain(_smtp.ReceivedEmail, m => m.ToAddresses.Any(a => a.Address == "nobody@example.test"));
        await (await anonymous.Http.PostAsJsonAsync($"/api/v1/users/{userId}/reset-password", new { verificationString = QueryValue(reset, "verificationString"), password = "second-password" }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await PeerTubeClient.RequestTokenAsync(anonymous.Http, "walker", "first-password")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant");
        await PeerTubeClient.LoginAsync(_server, "walker", "second-password");
        // The old session ended with the reset.
        await (await walker.Http.GetAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);

        // Sign-up is limited per address (here 4 per 5 minutes, refused requests included): the fifth gets a 429.
        foreach (var name in new[] { "second", "third" })
        {
            await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/register", new { username = name, password = name + "-password", email = $"{name}@example.test" }))
                .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        }

        var limited = await anonymous.Http.PostAsJsonAsync("/api/v1/users/register", new { username = "fourth", password = "fourth-password", email = "fourth@example.test" });
        await limited.ShouldBeErrorAsync(HttpStatusCode.TooManyRequests, "too_many_requests");
        Assert.True(limited.Headers.RetryAfter is not null);
    }

    [Fact]
    public async Task A_moderator_accepts_one_registration_request_and_rejects_another()
    {
        var anonymous = PeerTubeClient.Anonymous(_server);
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var user = await root.CreateUserAndLoginAsync(_server, "plain");
        await ConfigureSignupAsync(root, requiresApproval: true, requiresEmailVerification: false);

        // Direct sign-up is closed when requests need approval.
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/register", new { username = "hiker", password = "hiker-password", email = "hiker@example.test" }))
            .ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await anonymous.Http.PostAsJsonAsync("/api/v1/users/registrations/request", new { username = "hiker", password = "hiker-password", email = "hiker@example.test" }))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var requested = await anonymous.Http.PostAsJsonAsync("/api/v1/users/registrations/request",
            new { username = "hiker", password = "hiker-password", email = "hiker@example.test", registrationReason = "I film mountain trails." });
        await requested.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var registration = await requested.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, registration.GetProperty("state").GetProperty("id").GetInt32());
        await (await PeerTubeClient.RequestTokenAsync(anonymous.Http, "hiker", "hiker-password")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant");

        // Only moderators see and decide.
        await (await anonymous.Http.GetAsync("/api/v1/users/registrations")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await user.Http.GetAsync("/api/v1/users/registrations")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var id = registration.GetProperty("id").GetInt32();
        await (await user.Http.PostAsJsonAsync($"/api/v1/users/registrations/{id}/accept", new { moderationResponse = "Welcome" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var list = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/registrations");
        Assert.Equal("I film mountain trails.", Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("registrationReason").GetString());

        await (await root.Http.PostAsJsonAsync($"/api/v1/users/registrations/{id}/accept", new { moderationResponse = "Welcome, hiker." })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.PostAsJsonAsync($"/api/v1/users/registrations/{id}/accept", new { moderationResponse = "Again" })).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        await PeerTubeClient.LoginAsync(_server, "hiker", "hiker-password");
        Assert.Contains("Welcome, hiker.", (await MailToAsync("hiker@example.test", "accepted")).MessageParts[0].BodyData);

        var other = await anonymous.Http.PostAsJsonAsync("/api/v1/users/registrations/request",
            new { username = "troll", password = "troll-password", email = "troll@example.test", registrationReason = "Because." });
        var otherId = (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await (await root.Http.PostAsJsonAsync($"/api/v1/users/registrations/{otherId}/reject", new { moderationResponse = "Not this time." })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await MailToAsync("troll@example.test", "rejected");
        await (await PeerTubeClient.RequestTokenAsync(anonymous.Http, "troll", "troll-password")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_grant");
        var states = (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/registrations?sort=createdAt")).GetProperty("data").EnumerateArray()
            .Select(r => r.GetProperty("state").GetProperty("id").GetInt32()).ToList();
        Assert.Equal([3, 2], states);
        await (await root.Http.DeleteAsync($"/api/v1/users/registrations/{otherId}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }

    private static async Task ConfigureSignupAsync(PeerTubeClient root, bool requiresApproval, bool requiresEmailVerification)
    {
        var custom = await root.Http.GetFromJsonAsync<JsonObject>("/api/v1/config/custom");
        custom!["signup"]!["enabled"] = true;
        custom["signup"]!["requiresApproval"] = requiresApproval;
        custom["signup"]!["requiresEmailVerification"] = requiresEmailVerification;
        await (await root.Http.PutAsJsonAsync("/api/v1/config/custom", custom)).ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    private async Task<SmtpMessage> MailToAsync(string address, string containing) =>
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(_smtp.ReceivedEmail.LastOrDefault(m =>
            m.ToAddresses.Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase))
            && (m.MessageParts[0].BodyData.Contains(containing, StringComparison.Ordinal) || m.Subject.Contains(containing, StringComparison.Ordinal)))),
            $"a mail to {address} about {containing}");

    private static Uri LinkIn(SmtpMessage mail) => new(LinkPattern().Match(mail.MessageParts[0].BodyData).Value);

    private static string QueryValue(Uri link, string name) =>
        System.Web.HttpUtility.ParseQueryString(link.Query)[name] ?? throw new InvalidOperationException($"{name} is not in {link}");

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _smtp.Stop();
    }
}
