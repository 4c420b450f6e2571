using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: a user reports only what they can see (not another user's private video, not a comment under one), and
/// their own list of reports does not echo what they can no longer read.
/// </summary>
public sealed class AbuseReportVisibilityTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Nobody_reports_what_they_cannot_see_nor_reads_it_back_in_their_reports()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var owner = await root.CreateUserAndLoginAsync(_server, "alice");
        using var commenter = await root.CreateUserAndLoginAsync(_server, "bob");
        using var reporter = await root.CreateUserAndLoginAsync(_server, "carol");
        using var stranger = await root.CreateUserAndLoginAsync(_server, "dave");
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var source = await TestMedia.VideoAsync();

        var privateId = (await owner.UploadVideoAsync(source, "Private from the start", new Dictionary<string, string> { ["privacy"] = "3" }))
            .GetProperty("id").GetInt32();
        await (await ReportAsync(stranger, new { reason = "I cannot see this", video = new { id = privateId } })).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(anonymous, new { reason = "Anonymous", video = new { id = privateId } })).StatusCode);

        // A comment under a public video, reported while it could be read; then the video goes private.
        var videoId = (await owner.UploadVideoAsync(source, "Public for now")).GetProperty("id").GetInt32();
        var comment = await commenter.Http.PostAsJsonAsync($"/api/v1/videos/{videoId}/comment-threads", new { text = "A secret remark" },
            TestContext.Current.CancellationToken);
        await comment.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var commentId = (await comment.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("comment").GetProperty("id").GetInt32();
        await (await ReportAsync(reporter, new { reason = "Rude remark", comment = new { id = commentId } })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await ReportAsync(reporter, new { reason = "Rude video", video = new { id = videoId } })).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await owner.Http.PutAsJsonAsync($"/api/v1/videos/{videoId}", new { privacy = 3 }, TestContext.Current.CancellationToken))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await (await ReportAsync(stranger, new { reason = "Rude remark", comment = new { id = commentId } })).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ReportAsync(anonymous, new { reason = "Rude remark", comment = new { id = commentId } })).StatusCode);

        var mine = await reporter.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/abuses", TestContext.Current.CancellationToken);
        Assert.Equal(2, mine.GetProperty("total").GetInt32());
        Assert.DoesNotContain("A secret remark", mine.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Public for now", mine.GetRawText(), StringComparison.Ordinal);

        // Moderators still read everything they judge.
        var all = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/abuses", TestContext.Current.CancellationToken);
        Assert.Contains("A secret remark", all.GetRawText(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> ReportAsync(PeerTubeClient client, object body) =>
        client.Http.PostAsJsonAsync("/api/v1/abuses", body, TestContext.Current.CancellationToken);
}
