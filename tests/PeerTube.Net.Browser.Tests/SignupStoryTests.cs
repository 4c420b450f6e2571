using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using netDumbster.smtp;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>
/// Issue 17's browser stories: a visitor signs up on the page, opens the link mailed to them (a real SMTP server on
/// loopback) and signs in; another asks to join, and a moderator accepts the request on the registrations page.
/// </summary>
public sealed partial class SignupStoryTests : IAsyncLifetime
{
    private readonly SimpleSmtpServer _smtp = SimpleSmtpServer.Start(ServerProcess.FreePort());
    private readonly Chromium _chromium = new();
    private readonly List<BrowserSession> _sessions = [];
    private ServerProcess _server = null!;

    public async ValueTask InitializeAsync()
    {
        _server = new ServerProcess(new Dictionary<string, string>
        {
            ["Seeding:Enabled"] = "false",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = _smtp.Configuration.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Email:Smtp:Security"] = "None",
        });
        await Task.WhenAll(_chromium.InitializeAsync().AsTask(), _server.StartAsync());
    }

    [Fact]
    public async Task A_visitor_signs_up_checks_the_email_and_signs_in_and_a_moderator_accepts_a_request()
    {
        var root = await _server.LoginAsRootAsync();
        await ConfigureSignupAsync(root, requiresApproval: false);

        var visitor = await VisitAsync();
        await visitor.GotoAsync("/login");
        await visitor.Page.ClickAsync("#login-signup");
        await visitor.Page.WaitForURLAsync("**/signup");
        await visitor.Page.FillAsync("#signup-username", "walker");
        await visitor.Page.FillAsync("#signup-email", "walker@example.test");
        await visitor.Page.FillAsync("#signup-password", "walker-password");
        await visitor.Page.ClickAsync("#signup-submit");
        Assert.Contains("Tick the box", await visitor.Page.InnerTextAsync("#signup-error"));
        await visitor.Page.CheckAsync("#signup-terms");
        await visitor.Page.ClickAsync("#signup-submit");
        await visitor.WaitForAsync("() => !document.querySelector('#signup-done').hidden", "the page to say the account is made");
        Assert.Contains("mailed", await visitor.Page.InnerTextAsync("#signup-done"));
        await visitor.ScreenshotAsync("signup-done.png");

        // The link in the mail checks the address; then the visitor signs in.
        var link = await LinkMailedToAsync("walker@example.test");
        await visitor.GotoAsync(link.PathAndQuery);
        await visitor.WaitForAsync("() => document.querySelector('#verify-status').textContent.includes('checked')", "the email check to succeed");
        await visitor.SignInAsync("walker", "walker-password");
        await visitor.ScreenshotAsync("signup-signed-in.png");

        // Two-factor: turned on from the settings page with the QR code's secret, then asked for at the next sign-in.
        await visitor.Page.ClickAsync("#menu-settings");
        await visitor.Page.WaitForURLAsync("**/my-account/settings");
        await visitor.Page.FillAsync("#two-factor-password", "walker-password");
        await visitor.Page.ClickAsync("#two-factor-toggle");
        await visitor.WaitForAsync("() => !document.querySelector('#two-factor-setup').hidden && document.querySelector('#two-factor-qr').naturalWidth > 0",
            "the QR code of the new secret to show");
        await visitor.ScreenshotAsync("two-factor-setup.png");
        var app = new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes((await visitor.Page.InnerTextAsync("#two-factor-secret")).Trim()));
        await visitor.Page.FillAsync("#two-factor-code", app.ComputeTotp());
        await visitor.Page.ClickAsync("#two-factor-confirm");
        await visitor.WaitForAsync("() => document.querySelector('#two-factor')?.dataset.enabled === 'true'", "two-factor to be on");
        await visitor.Page.ClickAsync("#logout");
        await visitor.Page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await visitor.GotoAsync("/login");
        await visitor.Page.FillAsync("#login-username", "walker");
        await visitor.Page.FillAsync("#login-password", "walker-password");
        await visitor.Page.ClickAsync("#login-submit");
        await visitor.WaitForAsync("() => !document.querySelector('#login-otp-field').hidden", "the sign-in page to ask for the two-factor code");
        await visitor.Page.FillAsync("#login-otp", app.ComputeTotp(DateTime.UtcNow.AddSeconds(30)));
        await visitor.Page.ClickAsync("#login-submit");
        await visitor.WaitForAsync("() => document.querySelector('nav#user-menu') !== null", "walker to be signed in with the code");

        // Requests now need a moderator.
        await ConfigureSignupAsync(root, requiresApproval: true);
        var hiker = await VisitAsync();
        await hiker.GotoAsync("/signup");
        await hiker.Page.FillAsync("#signup-username", "hiker");
        await hiker.Page.FillAsync("#signup-email", "hiker@example.test");
        await hiker.Page.FillAsync("#signup-password", "hiker-password");
        await hiker.Page.FillAsync("#signup-reason", "I film mountain trails.");
        await hiker.Page.CheckAsync("#signup-terms");
        await hiker.Page.ClickAsync("#signup-submit");
        await hiker.WaitForAsync("() => !document.querySelector('#signup-done').hidden", "the page to say the request is sent");
        var requestLink = await LinkMailedToAsync("hiker@example.test");
        await hiker.GotoAsync(requestLink.PathAndQuery);
        await hiker.WaitForAsync("() => document.querySelector('#verify-status').textContent.includes('moderator')", "the request's email check to succeed");

        var moderator = await VisitAsync();
        await moderator.SignInAsync("root", ServerApplication.RootPassword);
        await moderator.GotoAsync("/admin/blocklist");
        await moderator.Page.ClickAsync("#blocklist-registrations");
        await moderator.Page.WaitForURLAsync("**/admin/registrations");
        var row = moderator.Page.Locator("tr.registration", new Microsoft.Playwright.PageLocatorOptions { HasText = "hiker" });
        Assert.Contains("I film mountain trails.", await row.InnerTextAsync());
        await moderator.ScreenshotAsync("registrations-pending.png");
        await row.Locator("input.registration-response").FillAsync("Welcome, hiker.");
        await row.Locator("button.registration-accept").ClickAsync();
        await moderator.WaitForAsync("() => document.querySelector('tr.registration')?.dataset.state === 'Accepted'", "the request to show as accepted");

        await hiker.SignInAsync("hiker", "hiker-password");
    }

    private async Task<BrowserSession> VisitAsync()
    {
        var session = await _chromium.OpenAsync(_server.BaseUrl, _sessions.Count + 1);
        _sessions.Add(session);
        return session;
    }

    private static async Task ConfigureSignupAsync(PeerTubeClient root, bool requiresApproval)
    {
        var custom = await root.Http.GetFromJsonAsync<JsonObject>("/api/v1/config/custom");
        custom!["signup"]!["enabled"] = true;
        custom["signup"]!["requiresApproval"] = requiresApproval;
        custom["signup"]!["requiresEmailVerification"] = true;
        (await root.Http.PutAsJsonAsync("/api/v1/config/custom", custom)).EnsureSuccessStatusCode();
    }

    private async Task<Uri> LinkMailedToAsync(string address)
    {
        var mail = await FederationTestKit.EventuallyAsync(() => Task.FromResult(_smtp.ReceivedEmail.LastOrDefault(m =>
            m.ToAddresses.Any(a => string.Equals(a.Address, address, StringComparison.OrdinalIgnoreCase)) && m.MessageParts[0].BodyData.Contains("verify-account", StringComparison.Ordinal))),
            $"the verification mail to {address}", _server);
        return new Uri(LinkPattern().Match(mail.MessageParts[0].BodyData).Value);
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        await _server.DisposeAsync();
        await _chromium.DisposeAsync();
        _smtp.Stop();
    }
}
