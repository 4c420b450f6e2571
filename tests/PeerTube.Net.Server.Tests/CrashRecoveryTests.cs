using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The server runs as a real process and is killed with SIGKILL in the middle of a transcode. Started again on
/// the same storage, it must finish the job: a published video, no temporary files, no orphaned ffmpeg.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Transcoding:Threads"] = "1", ["Seeding:Enabled"] = "false" });

    [Fact]
    public async Task A_server_killed_mid_transcode_publishes_the_video_after_restart_with_nothing_left_over()
    {
        // mpeg4 rather than h264, so that no rendition is a cheap copy and the job takes a while.
        var source = await TestMedia.VideoAsync(854, 480, seconds: 10, codec: "mpeg4");
        await _server.StartAsync();
        var client = await _server.LoginAsRootAsync();
        var created = await client.UploadVideoAsync(source, "Survives a crash");
        var id = created.GetProperty("id").GetInt32();

        Assert.True(await WaitForTranscodingFfmpegAsync(), "ffmpeg never started transcoding");
        await _server.KillAsync();
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(_server.StoragePath("tmp", "transcode")));

        await _server.StartAsync();
        client = await _server.LoginAsRootAsync();
        var video = await client.WaitForTranscodingAsync(id);

        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        var resolutions = video.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32());
        Assert.Equal([480, 360, 240, 144, 0], resolutions);
        var hls = _server.StoragePath("streaming-playlists", "hls", created.GetProperty("uuid").GetString()!);
        Assert.Single(Directory.GetFiles(hls, "*-master.m3u8"));
        // Exactly one run's output: 5 renditions × (mp4 + m3u8) + master + sha256 JSON.
        Assert.Equal(12, Directory.GetFiles(hls).Length);

        foreach (var temporary in new[] { _server.StoragePath("tmp", "transcode"), _server.StoragePath("tmp", "uploads"), _server.StoragePath("sources") })
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(temporary));
        }

        Assert.Empty(ServerProcess.FfmpegProcessesUnder(_server.StorageRoot));
    }

    private async Task<bool> WaitForTranscodingFfmpegAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!timeout.IsCancellationRequested)
        {
            if (ServerProcess.FfmpegProcessesUnder(_server.StoragePath("tmp", "transcode")).Count > 0)
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
