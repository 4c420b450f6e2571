using System.Net;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Torrents;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Copies of our videos are honoured only from instances we follow (Redundancy:AcceptFrom defaults to followings, as
/// on PeerTube); a mirror keeps one row per video however many CacheFiles it sends, and what it sends rebuilds the
/// video's torrents once per Redundancy:TorrentRebuildDelaySeconds at most.
/// </summary>
public sealed class CacheFileFloodTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private readonly FakeRemote _mirror = new();

    public async ValueTask InitializeAsync() =>
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });

    [Fact]
    public async Task A_mirror_we_follow_keeps_one_row_per_video_and_its_flood_schedules_one_torrent_rebuild()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(seconds: 1), "Ours");
        var uuid = created.GetProperty("uuid").GetString()!;
        var mirror = _mirror.Person("mirror");
        using var http = _server.CreateClient();

        async Task<string?> AnnounceCopyAsync(int n)
        {
            var id = $"{_mirror.BaseUrl}/redundancy/streaming-playlists/hls/{uuid}/{n}";
            var cacheFile = $$"""
                {"@context":["https://www.w3.org/ns/activitystreams",{"CacheFile":"pt:CacheFile","pt":"https://joinpeertube.org/ns#"}],
                 "type":"Create","id":"{{id}}/create","actor":"{{mirror}}","to":["https://www.w3.org/ns/activitystreams#Public"],
                 "object":{"type":"CacheFile","id":"{{id}}","object":"http://localhost/videos/watch/{{uuid}}","expires":"2099-01-01T00:00:00.000Z",
                   "url":{"type":"Link","mediaType":"application/x-mpegURL","href":"{{_mirror.BaseUrl}}/static/redundancy/hls/{{uuid}}/{{n}}" } } }
                """;
            var posted = await _mirror.PostAsync("http://localhost/inbox", cacheFile, mirror + "#main-key", via: http);
            await posted.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
            var row = await FederationTestKit.EventuallyAsync(async () =>
            {
                await using var scope = _server.Services.CreateAsyncScope();
                return await scope.ServiceProvider.GetRequiredService<AppDbContext>().InboxActivities.AsNoTracking()
                    .FirstOrDefaultAsync(a => a.ActivityId == id + "/create" && a.ProcessedAt != null);
            }, $"CacheFile {n} to be processed");
            return row.Error;
        }

        // Not followed: refused by default.
        Assert.Contains("not accepted", await AnnounceCopyAsync(0));
        Assert.Equal(0, await CountRowsAsync());

        await _server.FollowedAsync(mirror);
        for (var n = 1; n <= 4; n++)
        {
            Assert.Null(await AnnounceCopyAsync(n));
        }

        Assert.Equal(1, await CountRowsAsync());
        var redundancies = (await root.GetVideoAsync(uuid)).GetProperty("streamingPlaylists").EnumerateArray()
            .SelectMany(p => p.GetProperty("redundancies").EnumerateArray()).ToList();
        Assert.True(redundancies.Count <= 1);

        var monitoring = _server.Services.GetRequiredService<JobStorage>().GetMonitoringApi();
        var rebuilds = monitoring.ScheduledJobs(0, 100).Count(j => j.Value.Job?.Type == typeof(CreateTorrentsJob));
        Assert.Equal(1, rebuilds);
    }

    private async Task<int> CountRowsAsync()
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().VideoRedundancies.CountAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _mirror.DisposeAsync();
        await _server.DisposeAsync();
    }
}
