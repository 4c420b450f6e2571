using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>Task-named helpers for live tests: create a live, read its RTMP settings, publish with real ffmpeg, wait for a state.</summary>
public static class LiveTestKit
{
    public static async Task<HttpResponseMessage> PostLiveAsync(this PeerTubeClient client, string name, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["channelId"] = await client.MyChannelIdAsync(), ["name"] = name, ["privacy"] = 1 };
        if (extra is not null)
        {
            foreach (var p in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[p.Name] = p.Value;
            }
        }

        return await client.Http.PostAsJsonAsync("/api/v1/videos/live", body);
    }

    /// <summary>Creates a live and returns its video's id.</summary>
    public static async Task<int> CreateLiveAsync(this PeerTubeClient client, string name, object? extra = null)
    {
        var response = await client.PostLiveAsync(name, extra);
        await response.ShouldHaveStatusAsync(System.Net.HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("video").GetProperty("id").GetInt32();
    }

    public static async Task<(int Port, string StreamKey)> RtmpOfAsync(this PeerTubeClient owner, int videoId)
    {
        var live = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{videoId}");
        var url = new Uri(live.GetProperty("rtmpUrl").GetString()!);
        Assert.Equal("rtmp", url.Scheme);
        Assert.Equal("/live", url.AbsolutePath);
        return (url.Port, live.GetProperty("streamKey").GetString()!);
    }

    /// <summary>ffmpeg publishing a 320x180 test pattern and a sine for <paramref name="seconds"/>, in real time (as OBS would).</summary>
    public static Publisher Publish(int port, string streamKey, int seconds = 6) =>
        PublishTo($"rtmp://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/live/{streamKey}", seconds);

    /// <summary>ffmpeg publishing a test pattern of <paramref name="size"/> and a sine to an rtmp:// or rtmps:// URL, in real time.</summary>
    public static Publisher PublishTo(string url, int seconds = 6, string size = "320x180") =>
        new(["-hide_banner", "-nostdin", "-loglevel", "warning", "-re", "-f", "lavfi", "-i", $"testsrc=size={size}:rate=15", "-f", "lavfi", "-i", "sine",
            "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac",
            "-f", "flv", url]);

    public static async Task<JsonElement> WaitForStateAsync(this PeerTubeClient client, int videoId, int state, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var video = await client.GetVideoAsync(videoId);
            if (video.GetProperty("state").GetProperty("id").GetInt32() == state)
            {
                return video;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Video {videoId} did not reach state {state}; it is {video.GetProperty("state")}.");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Waits until the video is a published VOD (the replay of a live, once transcoded); fails on a failed transcoding.</summary>
    public static async Task<JsonElement> WaitForReplayAsync(this PeerTubeClient client, int videoId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        while (true)
        {
            var video = await client.GetVideoAsync(videoId);
            var state = video.GetProperty("state").GetProperty("id").GetInt32();
            if (!video.GetProperty("isLive").GetBoolean() && state == 1)
            {
                return video;
            }

            if (state == 7 || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Video {videoId} did not become a published replay; it is {video.GetProperty("state")}, isLive {video.GetProperty("isLive")}.");
            }

            await Task.Delay(300);
        }
    }

    /// <summary>Waits until the newest session of a live points at its replay video, and returns that session.</summary>
    public static async Task<JsonElement> WaitForSessionReplayAsync(this PeerTubeClient owner, int liveId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var sessions = await owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{liveId}/sessions");
            var newest = sessions.GetProperty("data")[0];
            if (newest.GetProperty("replayVideo").ValueKind == JsonValueKind.Object)
            {
                return newest;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The session of live {liveId} has no replay: {newest}");
            await Task.Delay(300);
        }
    }

    /// <summary>Path and query of an absolute URL the server gave, to fetch it through the test client.</summary>
    public static string PathOf(string url) => new Uri(url).PathAndQuery;
}

/// <summary>A running ffmpeg publisher.</summary>
public sealed class Publisher : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    public Publisher(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _stderr = _process.StandardError.ReadToEndAsync();
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>ffmpeg's exit code and what it said.</summary>
    public async Task<(int ExitCode, string Stderr)> WaitAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        return (_process.ExitCode, await _stderr);
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
