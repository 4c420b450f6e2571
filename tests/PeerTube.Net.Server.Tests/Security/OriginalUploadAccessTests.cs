using System.Net;
using System.Net.Http.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: the original upload under /static/web-videos/ (the creator's file as sent, served while the renditions are
/// made) is for its owner and the moderators only. Anyone else gets 404 for the file and does not see its URL.
/// </summary>
public sealed class OriginalUploadAccessTests
{
    [Fact]
    public async Task Only_the_owner_and_moderators_fetch_the_original_upload()
    {
        // ffprobe works, so uploads are accepted; this ffmpeg holds every transcode until the test lets it go.
        var release = Path.Combine(Path.GetTempPath(), $"release-{Guid.NewGuid():N}");
        var heldFfmpeg = Path.Combine(Path.GetTempPath(), $"held-ffmpeg-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(heldFfmpeg,
            $"#!/bin/sh\ncase \"$*\" in *-version*|*-encoders*) exec ffmpeg \"$@\" ;; esac\nwhile [ ! -f '{release}' ]; do sleep 0.2; done\nexec ffmpeg \"$@\"\n",
            TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(heldFfmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
                new Dictionary<string, string?> { ["Transcoding:FfmpegPath"] = heldFfmpeg });
            using var root = await PeerTubeClient.LoginAsRootAsync(server);
            using var owner = await root.CreateUserAndLoginAsync(server, "alice");
            using var stranger = await root.CreateUserAndLoginAsync(server, "bob");
            using var moderator = await CreateModeratorAsync(server, root, "mallory");
            using var anonymous = PeerTubeClient.Anonymous(server);
            var source = await TestMedia.VideoAsync();

            foreach (var privacy in new[] { 1, 3 })
            {
                var id = (await owner.UploadVideoAsync(source, $"Privacy {privacy}", new Dictionary<string, string> { ["privacy"] = $"{privacy}" }))
                    .GetProperty("id").GetInt32();
                var mine = await owner.GetVideoAsync(id);
                Assert.Equal(2, mine.GetProperty("state").GetProperty("id").GetInt32());
                var url = mine.GetProperty("files")[0].GetProperty("fileUrl").GetString()!;
                Assert.Contains("/static/web-videos/", url, StringComparison.Ordinal);

                foreach (var (who, client) in new[] { ("the owner", owner), ("an admin", root), ("a moderator", moderator) })
                {
                    var response = await client.Http.GetAsync(url, TestContext.Current.CancellationToken);
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{who} should fetch the original of a privacy-{privacy} video: {response.StatusCode}");
                    Assert.Equal(new FileInfo(source).Length, (await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).Length);
                }

                foreach (var (who, client) in new[] { ("another user", stranger), ("an anonymous visitor", anonymous) })
                {
                    var response = await client.Http.GetAsync(url, TestContext.Current.CancellationToken);
                    Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                        $"{who} fetched the original of a privacy-{privacy} video: {response.StatusCode}");
                    var head = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url), TestContext.Current.CancellationToken);
                    Assert.True(head.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden, $"{who}: HEAD {head.StatusCode}");
                    if (privacy == 1)
                    {
                        // The public video itself is still visible, without a URL its viewer cannot fetch.
                        var video = await client.GetVideoAsync(id);
                        Assert.Empty(video.GetProperty("files").EnumerateArray());
                        Assert.DoesNotContain("/static/web-videos/", video.GetRawText(), StringComparison.Ordinal);
                    }
                }
            }

            await File.WriteAllTextAsync(release, "", TestContext.Current.CancellationToken);
        }
        finally
        {
            await File.WriteAllTextAsync(release, "", CancellationToken.None);
            File.Delete(heldFfmpeg);
            File.Delete(release);
        }
    }

    private static async Task<PeerTubeClient> CreateModeratorAsync(ServerApplication server, PeerTubeClient admin, string username)
    {
        var response = await admin.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username, password = username + "-password", email = $"{username}@example.test", role = 1, videoQuota = -1, videoQuotaDaily = -1,
        });
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await PeerTubeClient.LoginAsync(server, username, username + "-password");
    }
}
