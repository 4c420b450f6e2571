using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15, "media cannot stall the instance": a file that costs hours to decode must not hold the one transcoding
/// worker for longer than the watchdog allows, and deleting it must stop its ffmpeg at once.
/// </summary>
public sealed class DecodeBombTests
{
    // A short watchdog: the bomb (3 h) may run 8 s + 0.001 × 10,800 s ≈ 19 s; a 2 s video gets 8 s.
    private const double FloorSeconds = 8, Factor = 0.001;

    [Fact]
    public async Task A_three_hour_16x16_file_blocks_the_next_upload_no_longer_than_the_watchdog()
    {
        using var ffmpeg = new SlowFfmpeg();
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Transcoding:FfmpegPath"] = ffmpeg.Path,
            ["Transcoding:Concurrency"] = "1",
            // Longer than the run-time cap: at 1 fps and playback speed the encoder's look-ahead keeps the output time at
            // zero for a while, and this test is about the cap (the stall check has its own test in Media.Tests).
            ["Transcoding:Limits:StallTimeoutSeconds"] = "60",
            ["Transcoding:Limits:MaxRunTimeFloorSeconds"] = FloorSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Transcoding:Limits:MaxRunTimeFactor"] = Factor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var alice = await root.CreateUserAndLoginAsync(server, "alice");

        var bomb = (await alice.UploadVideoAsync(await SlowFfmpeg.DecodeBombAsync(), "Bomb")).GetProperty("id").GetInt32();
        var stopwatch = Stopwatch.StartNew();
        var next = (await alice.UploadVideoAsync(await TestMedia.VideoAsync(), "Next")).GetProperty("id").GetInt32();

        var published = await alice.WaitForTranscodingAsync(next);

        Assert.Equal(1, published.GetProperty("state").GetProperty("id").GetInt32());
        var watchdog = FloorSeconds + (Factor * 10_800);
        // The watchdog's time, plus the next video's own transcode and polling, with room for a busy machine.
        Assert.True(stopwatch.Elapsed.TotalSeconds < watchdog + 30,
            $"the next upload waited {stopwatch.Elapsed.TotalSeconds:0} s behind the bomb (watchdog: {watchdog:0} s)");

        var failed = await alice.GetVideoAsync(bomb);
        Assert.Equal(7, failed.GetProperty("state").GetProperty("id").GetInt32());
        var reason = failed.GetProperty("transcodingError").GetString();
        TestContext.Current.TestOutputHelper?.WriteLine($"next upload published after {stopwatch.Elapsed.TotalSeconds:0.0} s; bomb: {reason}");
        Assert.Contains("Transcoding was stopped: it ran longer than", reason, StringComparison.Ordinal);
        await AssertNoTranscodeLeftAsync(server);
    }

    [Fact]
    public async Task Deleting_a_video_stops_its_ffmpeg_at_once_and_frees_the_worker()
    {
        using var ffmpeg = new SlowFfmpeg();
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Transcoding:FfmpegPath"] = ffmpeg.Path,
            ["Transcoding:Concurrency"] = "1",
        });
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var alice = await root.CreateUserAndLoginAsync(server, "alice");

        var bomb = (await alice.UploadVideoAsync(await SlowFfmpeg.DecodeBombAsync(), "Bomb")).GetProperty("id").GetInt32();
        var pid = await WaitForAsync(() => ffmpeg.LatestPid is { } p && SlowFfmpeg.IsRunning(p) ? p : null, TimeSpan.FromSeconds(60));
        // It is well under way, with hours to go.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Assert.True(SlowFfmpeg.IsRunning(pid), "the bomb's ffmpeg stopped by itself");

        var deleted = await alice.Http.DeleteAsync($"/api/v1/videos/{bomb}", TestContext.Current.CancellationToken);
        await deleted.ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await WaitForAsync(() => SlowFfmpeg.IsRunning(pid) ? null : (int?)1, TimeSpan.FromSeconds(5),
            $"ffmpeg {pid} still runs 5 s after its video was deleted");

        var stopwatch = Stopwatch.StartNew();
        var next = (await alice.UploadVideoAsync(await TestMedia.VideoAsync(), "Next")).GetProperty("id").GetInt32();
        var published = await alice.WaitForTranscodingAsync(next);
        Assert.Equal(1, published.GetProperty("state").GetProperty("id").GetInt32());
        Assert.True(stopwatch.Elapsed.TotalSeconds < 40, $"the next upload took {stopwatch.Elapsed.TotalSeconds:0} s");
        await AssertNoTranscodeLeftAsync(server);
    }

    private static async Task AssertNoTranscodeLeftAsync(ServerApplication server)
    {
        // The job's work directories go with it.
        var work = Path.Combine(server.StorageRoot, "tmp", "transcode");
        await WaitForAsync(() => !Directory.Exists(work) || !Directory.EnumerateFileSystemEntries(work).Any() ? (int?)1 : null,
            TimeSpan.FromSeconds(10), $"transcoding work left in {work}");
    }

    private static async Task<int> WaitForAsync(Func<int?> probe, TimeSpan timeout, string? failure = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            if (stopwatch.Elapsed > timeout)
            {
                Assert.Fail(failure ?? $"nothing after {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
