using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Moderation;

/// <summary>
/// Issue 17, "Abuse messages" and "A moderation log". The reporter and the moderators talk about a report, nobody else
/// may read or write there; moderators filter the reports; what moderators do is in the administrators' log, in order,
/// and no route writes it.
/// </summary>
public sealed class AbuseMessageTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Postgres);

    [Fact]
    public async Task The_reporter_and_the_moderators_talk_about_a_report_and_a_third_user_is_refused()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var reporter = await root.CreateUserAndLoginAsync(_server, "reporter");
        var stranger = await root.CreateUserAndLoginAsync(_server, "stranger");
        var target = await root.CreateUserAndLoginAsync(_server, "target");
        var anonymous = PeerTubeClient.Anonymous(_server);
        var targetAccount = (await target.MeAsync()).GetProperty("account").GetProperty("id").GetInt32();

        var reported = await reporter.Http.PostAsJsonAsync("/api/v1/abuses", new { reason = "He insults people", account = new { id = targetAccount } });
        await reported.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var abuseId = (await reported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("abuse").GetProperty("id").GetInt32();
        var messages = $"/api/v1/abuses/{abuseId}/messages";

        await (await anonymous.Http.GetAsync(messages)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await anonymous.Http.PostAsJsonAsync(messages, new { message = "Hello" })).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await stranger.Http.GetAsync(messages)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await stranger.Http.PostAsJsonAsync(messages, new { message = "Let me in" })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await reporter.Http.PostAsJsonAsync(messages, new { message = "x" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await reporter.Http.GetAsync("/api/v1/abuses/999999/messages")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        var asked = await reporter.Http.PostAsJsonAsync(messages, new { message = "Any news?" });
        await asked.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var askedId = (await asked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("abuseMessage").GetProperty("id").GetInt32();
        await (await root.Http.PostAsJsonAsync(messages, new { message = "Looking into it" })).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var thread = await reporter.Http.GetFromJsonAsync<JsonElement>(messages);
        Assert.Equal(2, thread.GetProperty("total").GetInt32());
        var (first, second) = (thread.GetProperty("data")[0], thread.GetProperty("data")[1]);
        Assert.Equal(("Any news?", false, "reporter"), (first.GetProperty("message").GetString(), first.GetProperty("byModerator").GetBoolean(),
            first.GetProperty("account").GetProperty("name").GetString()));
        Assert.Equal(("Looking into it", true, "root"), (second.GetProperty("message").GetString(), second.GetProperty("byModerator").GetBoolean(),
            second.GetProperty("account").GetProperty("name").GetString()));

        // Only its author deletes a message.
        await (await anonymous.Http.DeleteAsync($"{messages}/{askedId}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await stranger.Http.DeleteAsync($"{messages}/{askedId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await root.Http.DeleteAsync($"{messages}/{askedId}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await reporter.Http.DeleteAsync($"{messages}/{askedId}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, (await root.Http.GetFromJsonAsync<JsonElement>(messages)).GetProperty("total").GetInt32());

        // The moderators' filters.
        async Task<int> CountAsync(string query) => (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses?" + query)).GetProperty("total").GetInt32();
        Assert.Equal(1, await CountAsync("filter=account"));
        Assert.Equal(0, await CountAsync("filter=video"));
        Assert.Equal(1, await CountAsync("search=insults"));
        Assert.Equal(0, await CountAsync("search=nothing-like-it"));
        Assert.Equal(1, await CountAsync($"id={abuseId}"));
        Assert.Equal(0, await CountAsync("videoIs=blacklisted"));
        Assert.Equal(1, await CountAsync("state=1"));
        await (await root.Http.GetAsync("/api/v1/abuses?filter=bogus")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        // The moderators' page shows the report with its actions.
        var page = await BrowserPageAsync(root, "/admin/abuses", HttpStatusCode.OK);
        Assert.NotNull(page.QuerySelector($"table.abuses tr.abuse[data-id='{abuseId}'] button.abuse-accept[data-api-url='/api/v1/abuses/{abuseId}']"));
        Assert.NotNull(page.QuerySelector("a#menu-abuses[href='/admin/abuses']"));
        await BrowserPageAsync(stranger, "/admin/abuses", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_moderation_log_lists_the_actions_in_order_for_administrators_only()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var reporter = await root.CreateUserAndLoginAsync(_server, "reporter");
        var target = await root.CreateUserAndLoginAsync(_server, "target");
        var anonymous = PeerTubeClient.Anonymous(_server);
        var targetAccount = (await target.MeAsync()).GetProperty("account").GetProperty("id").GetInt32();
        var reported = await reporter.Http.PostAsJsonAsync("/api/v1/abuses", new { reason = "Spam account", account = new { id = targetAccount } });
        var abuseId = (await reported.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("abuse").GetProperty("id").GetInt32();

        await (await root.Http.PutAsJsonAsync($"/api/v1/abuses/{abuseId}", new { state = 3, moderationComment = "Confirmed" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.PostAsJsonAsync("/api/v1/server/blocklist/servers", new { host = "spam.example" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await root.Http.DeleteAsync("/api/v1/server/blocklist/servers/spam.example")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        // A user's own mute is not moderation.
        await (await reporter.Http.PostAsJsonAsync("/api/v1/users/me/blocklist/servers", new { host = "other.example" })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await (await anonymous.Http.GetAsync("/api/v1/server/audit-logs")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await reporter.Http.GetAsync("/api/v1/server/audit-logs")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var log = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/audit-logs?sort=createdAt");
        var entries = log.GetProperty("data").EnumerateArray()
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("target").GetString(), e.GetProperty("user").GetProperty("username").GetString())).ToList();
        Assert.Equal([("abuse-update", $"abuse {abuseId}", "root"), ("blocklist-add", "spam.example", "root"), ("blocklist-remove", "spam.example", "root")], entries);
        Assert.Contains("Confirmed", log.GetProperty("data")[0].GetProperty("details").GetString());

        // Nothing writes it from outside.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await root.Http.PostAsJsonAsync("/api/v1/server/audit-logs", new { action = "forged" })).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await root.Http.DeleteAsync("/api/v1/server/audit-logs")).StatusCode);
        Assert.Equal(3, (await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/audit-logs")).GetProperty("total").GetInt32());

        // The administrators' page shows it, newest first, and the admin page leads there.
        var page = await BrowserPageAsync(root, "/admin/audit-log", HttpStatusCode.OK);
        Assert.Equal(["blocklist-remove", "blocklist-add", "abuse-update"],
            page.QuerySelectorAll("table.audit-log tr.audit-log-entry").Select(r => r.GetAttribute("data-action")).ToList());
        Assert.NotNull((await BrowserPageAsync(root, "/admin", HttpStatusCode.OK)).QuerySelector("a#admin-audit-log[href='/admin/audit-log']"));
        await BrowserPageAsync(reporter, "/admin/audit-log", HttpStatusCode.Forbidden);
    }

    private async Task<IDocument> BrowserPageAsync(PeerTubeClient user, string path, HttpStatusCode status)
    {
        using var http = PeerTubeClient.CreateHttpClient(_server);
        http.DefaultRequestHeaders.Add("Cookie", $"{PeerTube.Net.Server.Features.Web.WebSession.CookieName}={user.Http.DefaultRequestHeaders.Authorization!.Parameter}");
        var response = await http.GetAsync(path);
        await response.ShouldHaveStatusAsync(status);
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
