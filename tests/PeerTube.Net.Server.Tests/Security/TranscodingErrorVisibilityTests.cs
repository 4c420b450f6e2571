using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: why a video's transcoding failed (ffmpeg's own words, which may name paths on our disk) is for its owner
/// and the instance's moderators and admins; another user and an anonymous visitor see the failed state only.
/// </summary>
public sealed class TranscodingErrorVisibilityTests
{
    [Fact]
    public async Task Only_the_owner_and_moderators_see_why_transcoding_failed()
    {
        // ffprobe works, so the upload is accepted; this ffmpeg answers the start-up checks, then fails every transcode.
        var brokenFfmpeg = Path.Combine(Path.GetTempPath(), $"broken-ffmpeg-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(brokenFfmpeg,
            "#!/bin/sh\ncase \"$*\" in *-version*|*-encoders*) exec ffmpeg \"$@\" ;; esac\necho 'Conversion failed at /secret/path' >&2\nexit 1\n",
            TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(brokenFfmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        try
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
                new Dictionary<string, string?> { ["Transcoding:FfmpegPath"] = brokenFfmpeg });
            using var root = await PeerTubeClient.LoginAsRootAsync(server);
            using var owner = await root.CreateUserAndLoginAsync(server, "alice");
            using var stranger = await root.CreateUserAndLoginAsync(server, "bob");
            using var moderator = await CreateModeratorAsync(server, root, "mallory");
            using var anonymous = PeerTubeClient.Anonymous(server);

            var created = await owner.UploadVideoAsync(await TestMedia.VideoAsync(), "Doomed");
            var id = created.GetProperty("id").GetInt32();
            var failed = await owner.WaitForTranscodingAsync(id);
            Assert.Equal(7, failed.GetProperty("state").GetProperty("id").GetInt32());

            foreach (var (who, client) in new[] { ("the owner", owner), ("an admin", root), ("a moderator", moderator) })
            {
                var error = (await client.GetVideoAsync(id)).GetProperty("transcodingError");
                Assert.True(error.ValueKind == JsonValueKind.String && error.GetString()!.Contains("Conversion failed", StringComparison.Ordinal),
                    $"{who} should see why transcoding failed, not {error}");
            }

            var mine = await owner.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos", TestContext.Current.CancellationToken);
            Assert.Contains("Conversion failed", mine.GetProperty("data")[0].GetProperty("transcodingError").GetString(), StringComparison.Ordinal);

            foreach (var (who, client) in new[] { ("another user", stranger), ("an anonymous visitor", anonymous) })
            {
                var video = await client.GetVideoAsync(id);
                Assert.Equal(7, video.GetProperty("state").GetProperty("id").GetInt32());
                Assert.True(video.GetProperty("transcodingError").ValueKind == JsonValueKind.Null,
                    $"{who} should not see why transcoding failed, but got {video.GetProperty("transcodingError")}");
                Assert.DoesNotContain("/secret/path", video.GetRawText(), StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(brokenFfmpeg);
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
