using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// The video's own fields on a follower: nsfw, support, downloadEnabled and originallyPublishedAt travel in the Video
/// object; a password-protected video does not travel at all (PeerTube federates only public and unlisted videos), and
/// a video that becomes password-protected is deleted on followers as a private one is.
/// </summary>
public sealed class VideoFieldsFederationTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task The_fields_travel_to_followers_and_password_protected_videos_do_not()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);

        var secret = await rootA.PublishAsync("Only with the password", new Dictionary<string, string>
        {
            ["privacy"] = "5", ["videoPasswords[0]"] = "for-friends",
        });
        var published = await rootA.PublishAsync("Fields that travel", new Dictionary<string, string>
        {
            ["nsfw"] = "true", ["support"] = "Tip jar at the door", ["downloadEnabled"] = "false",
            ["originallyPublishedAt"] = "1999-12-31T00:00:00Z",
        });
        var uuid = published.GetProperty("uuid").GetString()!;
        var onB = _b.Anonymous();
        var video = await FederationTestKit.EventuallyAsync<JsonElement?>(async () =>
        {
            var response = await onB.Http.GetAsync($"/api/v1/videos/{uuid}");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the video to reach B", _a, _b);
        Assert.False(video!.Value.GetProperty("isLocal").GetBoolean());
        Assert.True(video.Value.GetProperty("nsfw").GetBoolean());
        Assert.Equal("Tip jar at the door", video.Value.GetProperty("support").GetString());
        Assert.False(video.Value.GetProperty("downloadEnabled").GetBoolean());
        Assert.Equal(new DateTimeOffset(1999, 12, 31, 0, 0, 0, TimeSpan.Zero), video.Value.GetProperty("originallyPublishedAt").GetDateTimeOffset());

        // Published before it, the password-protected video never reached B.
        await (await onB.Http.GetAsync($"/api/v1/videos/{secret.GetProperty("uuid").GetString()}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        // Made password-protected, it leaves B.
        await (await rootA.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}", new { privacy = 5, videoPasswords = new[] { "for-friends" } }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => (await onB.Http.GetAsync($"/api/v1/videos/{uuid}")).StatusCode == HttpStatusCode.NotFound,
            "the video to be deleted on B", _a, _b);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
