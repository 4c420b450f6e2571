using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Live;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>A live from creation to its end: real ffmpeg publishing over RTMP, HLS served, sessions recorded (PostgreSQL).</summary>
public sealed class LiveStreamingTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;

    public async ValueTask InitializeAsync()
    {
        // A short window, so a few seconds of stream roll it (the sha256 JSON must follow).
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Live:PlaylistSize"] = "3" });
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "streamer");
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_live_is_published_while_ffmpeg_streams_and_ends_after()
    {
        var id = await _owner.CreateLiveAsync("My first live", new { latencyMode = 3 });
        var waiting = await _owner.GetVideoAsync(id);
        Assert.True(waiting.GetProperty("isLive").GetBoolean());
        Assert.Equal(4, waiting.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Empty(waiting.GetProperty("streamingPlaylists").EnumerateArray());

        var (port, key) = await _owner.RtmpOfAsync(id);
        using var publisher = LiveTestKit.Publish(port, key, seconds: 8);

        var live = await _owner.WaitForStateAsync(id, 1);
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var master = live.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        Assert.EndsWith($"/static/streaming-playlists/hls/{live.GetProperty("uuid").GetString()}/master.m3u8", master);
        var masterResponse = await anonymous.GetAsync(LiveTestKit.PathOf(master));
        await masterResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("no-cache", masterResponse.Headers.CacheControl?.ToString());
        var masterText = await masterResponse.Content.ReadAsStringAsync();
        Assert.Contains("#EXT-X-STREAM-INF", masterText);
        var media = masterText.Split('\n').Select(l => l.Trim()).First(l => l.EndsWith(".m3u8", StringComparison.Ordinal));
        var mediaText = await anonymous.GetStringAsync(LiveTestKit.PathOf(new Uri(new Uri(master), media).AbsoluteUri));
        Assert.Contains("#EXTINF", mediaText);
        Assert.Contains("#EXT-X-MAP", mediaText);
        var segment = mediaText.Split('\n').Select(l => l.Trim()).First(l => l.EndsWith(".mp4", StringComparison.Ordinal) && !l.StartsWith('#'));
        var segmentResponse = await anonymous.GetAsync(LiveTestKit.PathOf(new Uri(new Uri(master), segment).AbsoluteUri));
        await segmentResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.True((await segmentResponse.Content.ReadAsByteArrayAsync()).Length > 0);

        // isLive filters the public list.
        var lives = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos?isLive=true");
        Assert.Contains(lives.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id && v.GetProperty("isLive").GetBoolean());
        var uploads = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos?isLive=false");
        Assert.DoesNotContain(uploads.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);
        await (await anonymous.GetAsync("/api/v1/videos?isLive=maybe")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var (exit, stderr) = await publisher.WaitAsync();
        Assert.True(exit == 0, stderr);

        var ended = await _owner.WaitForStateAsync(id, 5);
        Assert.Empty(ended.GetProperty("streamingPlaylists").EnumerateArray());
        Assert.False(Directory.Exists(_server.StoragePath("streaming-playlists", "hls", ended.GetProperty("uuid").GetString()!)));

        var sessions = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}/sessions");
        Assert.Equal(1, sessions.GetProperty("total").GetInt32());
        var session = sessions.GetProperty("data")[0];
        Assert.NotEqual(JsonValueKind.Null, session.GetProperty("endDate").ValueKind);
        Assert.Equal(JsonValueKind.Null, session.GetProperty("error").ValueKind);

        // An ended live takes no stream any more.
        using var late = LiveTestKit.Publish(port, key, seconds: 2);
        var (lateExit, _) = await late.WaitAsync();
        Assert.NotEqual(0, lateExit);
    }

    [Fact]
    public async Task The_segments_sha256_json_follows_the_rolling_playlist_while_ffmpeg_streams()
    {
        var id = await _owner.CreateLiveAsync("Hashed live", new { latencyMode = 3 });
        var (port, key) = await _owner.RtmpOfAsync(id);
        using var publisher = LiveTestKit.Publish(port, key, seconds: 14);

        var live = await _owner.WaitForStateAsync(id, 1);
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var playlist = live.GetProperty("streamingPlaylists")[0];
        var master = new Uri(playlist.GetProperty("playlistUrl").GetString()!);
        var shaPath = LiveTestKit.PathOf(playlist.GetProperty("segmentsSha256Url").GetString()!);
        // Every rendition's segments are in the one JSON (the source's 180p and the profile's 144p).
        var mediaPaths = new[] { "0.m3u8", "1.m3u8" }.Select(p => LiveTestKit.PathOf(new Uri(master, p).AbsoluteUri)).ToList();

        // The JSON trails the playlist by at most one watcher poll: wait for a moment when both list the same segments,
        // and for the window to have rolled at least once (the first segment gone from both).
        string? firstSeen = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the sha256 JSON never matched the playlist's segments");
            var shaResponse = await anonymous.GetAsync(shaPath);
            // Browsers would keep an immutable copy of the first version.
            Assert.Equal("no-cache", shaResponse.Headers.CacheControl?.ToString());
            var segments = new List<string>();
            foreach (var mediaPath in mediaPaths)
            {
                var media = await anonymous.GetStringAsync(mediaPath);
                segments.AddRange(media.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }

            firstSeen ??= segments.FirstOrDefault();
            if (shaResponse.StatusCode == HttpStatusCode.OK && segments.Count >= 4 && !segments.Contains(firstSeen!))
            {
                var hashes = JsonSerializer.Deserialize<Dictionary<string, string>>(await shaResponse.Content.ReadAsStringAsync())!;
                if (hashes.Keys.Order(StringComparer.Ordinal).SequenceEqual(segments.Order(StringComparer.Ordinal)))
                {
                    foreach (var segment in segments)
                    {
                        var bytes = await anonymous.GetByteArrayAsync(LiveTestKit.PathOf(new Uri(master, segment).AbsoluteUri));
                        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), hashes[segment]);
                    }

                    Assert.DoesNotContain(firstSeen!, hashes.Keys);
                    break;
                }
            }

            await Task.Delay(300);
        }

        var (exit, stderr) = await publisher.WaitAsync();
        Assert.True(exit == 0, stderr);
        await _owner.WaitForStateAsync(id, 5);
    }

    [Fact]
    public async Task A_permanent_live_waits_again_after_each_stream_on_the_same_key()
    {
        var id = await _owner.CreateLiveAsync("Always on", new { permanentLive = true });
        var (port, key) = await _owner.RtmpOfAsync(id);

        for (var run = 1; run <= 2; run++)
        {
            // 8 s, as the first story: the ladder's ffmpeg starts with the publisher's metadata and its first 4 s
            // segments of both renditions must be out before the stream ends.
            using var publisher = LiveTestKit.Publish(port, key, seconds: 8);
            await _owner.WaitForStateAsync(id, 1);
            var (exit, stderr) = await publisher.WaitAsync();
            Assert.True(exit == 0, $"run {run}: {stderr}");
            await _owner.WaitForStateAsync(id, 4);
        }

        Assert.Equal((port, key), await _owner.RtmpOfAsync(id));
        var sessions = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}/sessions");
        Assert.Equal(2, sessions.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_live_that_saves_its_replay_becomes_that_replay_when_the_stream_ends()
    {
        var id = await _owner.CreateLiveAsync("Live to keep", new { saveReplay = true, replaySettings = new { privacy = 3 }, latencyMode = 3 });
        var (port, key) = await _owner.RtmpOfAsync(id);
        using (var publisher = LiveTestKit.Publish(port, key, seconds: 6))
        {
            await _owner.WaitForStateAsync(id, 1);
            var (exit, stderr) = await publisher.WaitAsync();
            Assert.True(exit == 0, stderr);
        }

        // The same video, now a VOD made of every segment streamed (the live playlist only ever listed the last three).
        var replay = await _owner.WaitForReplayAsync(id);
        Assert.False(replay.GetProperty("isLive").GetBoolean());
        Assert.Equal(3, replay.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.InRange(replay.GetProperty("duration").GetInt32(), 5, 7);
        var playlist = replay.GetProperty("streamingPlaylists")[0];
        Assert.NotEmpty(playlist.GetProperty("files").EnumerateArray());
        Assert.All(playlist.GetProperty("files").EnumerateArray(), f => Assert.False(string.IsNullOrEmpty(f.GetProperty("torrentUrl").GetString())));
        await (await _owner.Http.GetAsync(LiveTestKit.PathOf(playlist.GetProperty("playlistUrl").GetString()!))).ShouldHaveStatusAsync(HttpStatusCode.OK);
        // Not a live any more: its live settings went with it.
        await (await _owner.Http.GetAsync($"/api/v1/videos/live/{id}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        var session = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{id}/live-session");
        Assert.Equal(id, session.GetProperty("replayVideo").GetProperty("id").GetInt32());
        Assert.Equal(replay.GetProperty("uuid").GetString(), session.GetProperty("replayVideo").GetProperty("uuid").GetString());
        Assert.Equal(replay.GetProperty("shortUUID").GetString(), session.GetProperty("replayVideo").GetProperty("shortUUID").GetString());
        Assert.True(session.GetProperty("saveReplay").GetBoolean());
        Assert.Equal(3, session.GetProperty("replaySettings").GetProperty("privacy").GetInt32());
        Assert.False(Directory.Exists(_server.StoragePath("tmp", "replays", session.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture))));

        // A private replay: nobody else lists it, reads it or its session.
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        using var stranger = await _root.CreateUserAndLoginAsync(_server, "replay_onlooker");
        await (await anonymous.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await stranger.Http.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await anonymous.GetAsync($"/api/v1/videos/{id}/live-session")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await stranger.Http.GetAsync($"/api/v1/videos/{id}/live-session")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        var list = await stranger.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos?count=100");
        Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);

        // The replay (and with it its session) can go like any video.
        await (await _owner.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_permanent_live_that_saves_its_replay_gets_a_new_video_per_stream_and_waits_again()
    {
        var id = await _owner.CreateLiveAsync("Weekly show", new { permanentLive = true, saveReplay = true, replaySettings = new { privacy = 2 } });
        var (port, key) = await _owner.RtmpOfAsync(id);
        using (var publisher = LiveTestKit.Publish(port, key, seconds: 6))
        {
            await _owner.WaitForStateAsync(id, 1);
            var (exit, stderr) = await publisher.WaitAsync();
            Assert.True(exit == 0, stderr);
        }

        var session = await _owner.WaitForSessionReplayAsync(id);
        var replayId = session.GetProperty("replayVideo").GetProperty("id").GetInt32();
        Assert.NotEqual(id, replayId);
        Assert.True(session.GetProperty("saveReplay").GetBoolean());
        Assert.Equal(2, session.GetProperty("replaySettings").GetProperty("privacy").GetInt32());

        var replay = await _owner.WaitForReplayAsync(replayId);
        var live = await _owner.GetVideoAsync(id);
        Assert.StartsWith("Weekly show - ", replay.GetProperty("name").GetString());
        Assert.Equal(live.GetProperty("channel").GetProperty("id").GetInt32(), replay.GetProperty("channel").GetProperty("id").GetInt32());
        Assert.Equal(2, replay.GetProperty("privacy").GetProperty("id").GetInt32());
        Assert.InRange(replay.GetProperty("duration").GetInt32(), 5, 7);
        Assert.NotEmpty(replay.GetProperty("streamingPlaylists")[0].GetProperty("files").EnumerateArray());

        // The live waits for its next stream on the same key.
        Assert.True(live.GetProperty("isLive").GetBoolean());
        Assert.Equal(4, live.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal((port, key), await _owner.RtmpOfAsync(id));

        var replaySession = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{replayId}/live-session");
        Assert.Equal(session.GetProperty("id").GetInt32(), replaySession.GetProperty("id").GetInt32());

        // Unlisted: not in the lists, readable by its link as on PeerTube.
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var list = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos?count=100");
        Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == replayId);
        await (await anonymous.GetAsync($"/api/v1/videos/{replay.GetProperty("uuid").GetString()}")).ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_replay_whose_live_is_deleted_before_its_job_runs_leaves_nothing_behind()
    {
        // The state a stream's end leaves (a session that saves its replay, its segments moved out), without a stream.
        var id = await _owner.CreateLiveAsync("Gone before its replay", new { saveReplay = true });
        int sessionId;
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var session = new LiveSession { VideoId = id, StartedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow, SaveReplay = true };
            db.Set<LiveSession>().Add(session);
            await db.SaveChangesAsync();
            sessionId = session.Id;
        }

        var work = _server.StoragePath("tmp", "replays", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        await File.WriteAllBytesAsync(Path.Combine(work, "abc-0-init.mp4"), [0]);
        await File.WriteAllBytesAsync(Path.Combine(work, "abc-0-000000.mp4"), [0]);

        await (await _owner.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SaveReplayJob>().RunAsync(sessionId, CancellationToken.None);
        }

        Assert.False(Directory.Exists(work));
    }

    [Fact]
    public async Task Deleting_a_live_while_it_streams_stops_its_stream()
    {
        var id = await _owner.CreateLiveAsync("Short-lived");
        var (port, key) = await _owner.RtmpOfAsync(id);
        using var publisher = LiveTestKit.Publish(port, key, seconds: 30);
        var live = await _owner.WaitForStateAsync(id, 1);

        await (await _owner.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        var (exit, _) = await publisher.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(0, exit);
        var folder = _server.StoragePath("streaming-playlists", "hls", live.GetProperty("uuid").GetString()!);
        for (var i = 0; i < 50 && Directory.Exists(folder); i++)
        {
            await Task.Delay(200);
        }

        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task A_wrong_stream_key_is_refused()
    {
        var id = await _owner.CreateLiveAsync("Guarded");
        var (port, _) = await _owner.RtmpOfAsync(id);

        using var publisher = LiveTestKit.Publish(port, "not-the-key", seconds: 2);
        var (exit, _) = await publisher.WaitAsync();

        Assert.NotEqual(0, exit);
        Assert.Equal(4, (await _owner.GetVideoAsync(id)).GetProperty("state").GetProperty("id").GetInt32());
    }
}
