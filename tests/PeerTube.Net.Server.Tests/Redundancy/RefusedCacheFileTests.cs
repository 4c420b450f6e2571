using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Redundancy;

/// <summary>
/// We accept copies of our videos only from instances we follow. A stranger announcing a copy of our video, or one
/// announcing a copy on another host than its own, is not listed; the copy of an instance we follow is.
/// </summary>
public sealed class RefusedCacheFileTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private readonly FakeRemote _stranger = new();

    public async ValueTask InitializeAsync() =>
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?>
        {
            ["Federation:AllowPrivateAddresses"] = "true",
            ["Redundancy:AcceptFrom"] = "followings",
        });

    [Fact]
    public async Task A_copy_announced_by_an_instance_we_do_not_accept_copies_from_is_ignored()
    {
        var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(320, 180, seconds: 2), "Ours");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        var uuid = video.GetProperty("uuid").GetString()!;
        var mallory = _stranger.Person("mallory");
        using var http = _server.CreateClient();

        var cacheFile = $$"""
            {"@context":["https://www.w3.org/ns/activitystreams",{"CacheFile":"pt:CacheFile","pt":"https://joinpeertube.org/ns#"}],
             "type":"Create","id":"{{_stranger.BaseUrl}}/redundancy/streaming-playlists/hls/{{uuid}}/create/1","actor":"{{mallory}}",
             "to":["https://www.w3.org/ns/activitystreams#Public"],
             "object":{"type":"CacheFile","id":"{{_stranger.BaseUrl}}/redundancy/streaming-playlists/hls/{{uuid}}",
               "object":"http://localhost/videos/watch/{{uuid}}","expires":"2099-01-01T00:00:00.000Z",
               "url":{"type":"Link","mediaType":"application/x-mpegURL","href":"{{_stranger.BaseUrl}}/static/redundancy/hls/{{uuid}}" } } }
            """;
        var posted = await _stranger.PostAsync("http://localhost/inbox", cacheFile, mallory + "#main-key", via: http);
        await posted.ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        // Taken in (it is properly signed), processed, and not used.
        var error = await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = _server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.InboxActivities.Where(a => a.ProcessedAt != null).Select(a => a.Error).FirstOrDefaultAsync();
        }, "the CacheFile to be processed");
        Assert.Contains("not accepted", error);
        Assert.Empty((await root.GetVideoAsync(uuid)).GetProperty("streamingPlaylists")[0].GetProperty("redundancies").EnumerateArray());
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<AppDbContext>().VideoRedundancies.CountAsync());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stranger.DisposeAsync();
        await _server.DisposeAsync();
    }
}
