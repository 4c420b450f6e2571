using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Live;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Two of our instances on loopback ports. B follows a channel of A; a live created on A appears on B while it waits,
/// goes live on B when ffmpeg streams to A, plays on B from A's live playlist, and ends on B when the publisher stops.
/// </summary>
public sealed class LiveFederationTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_live_streamed_on_its_origin_is_live_on_the_follower_plays_from_the_origin_and_ends_there_too()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        using var rootA = await _a.LoginAsRootAsync();
        using var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);

        // Created on A: B hears of it while it waits for its stream.
        var id = await rootA.CreateLiveAsync("Live from A", new { latencyMode = 3 });
        var uuid = (await rootA.GetVideoAsync(id)).GetProperty("uuid").GetString()!;
        var onB = _b.Anonymous();
        var waiting = await FederationTestKit.EventuallyAsync(async () =>
        {
            var response = await onB.Http.GetAsync($"/api/v1/videos/{uuid}");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonElement>() : (JsonElement?)null;
        }, "the waiting live to reach B", _a, _b);
        Assert.True(waiting!.Value.GetProperty("isLive").GetBoolean());
        Assert.Equal(4, waiting.Value.GetProperty("state").GetProperty("id").GetInt32());
        Assert.False(waiting.Value.GetProperty("isLocal").GetBoolean());

        // ffmpeg streams to A: on B it is live, listed as a live, with A's live playlist.
        var (port, key) = await rootA.RtmpOfAsync(id);
        using var publisher = LiveTestKit.Publish(port, key, seconds: 8);
        var live = await FederationTestKit.EventuallyAsync(async () =>
        {
            var video = await onB.GetVideoAsync(uuid);
            return video.GetProperty("state").GetProperty("id").GetInt32() == 1 ? video : (JsonElement?)null;
        }, "the live to be published on B", _a, _b);
        var master = live!.Value.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        Assert.Equal($"{_a.BaseUrl}/static/streaming-playlists/hls/{uuid}/master.m3u8", master);
        Assert.True((await onB.ListedAsync(uuid))!.Value.GetProperty("isLive").GetBoolean());
        var lives = await onB.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos?isLive=true");
        Assert.Contains(lives.GetProperty("data").EnumerateArray(), v => v.GetProperty("uuid").GetString() == uuid);

        // B's watch page hands its player the live mode and A's playlist and segment hashes, and A serves them.
        var page = await onB.Http.GetStringAsync($"/w/{live.Value.GetProperty("shortUUID").GetString()}");
        var mount = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(page).QuerySelector("#pt-player[data-config]");
        Assert.NotNull(mount);
        var config = JsonDocument.Parse(mount.GetAttribute("data-config")!).RootElement;
        Assert.Equal(master, config.GetProperty("hlsUrl").GetString());
        Assert.Equal($"{_a.BaseUrl}/static/streaming-playlists/hls/{uuid}/segments-sha256.json", config.GetProperty("segmentsSha256Url").GetString());
        Assert.Equal(1, config.GetProperty("state").GetInt32());
        Assert.Equal(3, config.GetProperty("latencyMode").GetInt32());
        using var anyone = new HttpClient();
        Assert.Contains("#EXT-X-STREAM-INF", await anyone.GetStringAsync(master));
        var hashes = await anyone.GetAsync(config.GetProperty("segmentsSha256Url").GetString());
        await hashes.ShouldHaveStatusAsync(HttpStatusCode.OK);

        // What B read is A's Video object, in PeerTube's live shape: the live's settings, its state, its live playlist.
        using var fetch = new HttpRequestMessage(HttpMethod.Get, $"{_a.BaseUrl}/videos/watch/{uuid}");
        fetch.Headers.Accept.ParseAdd("application/activity+json");
        var obj = await (await anyone.SendAsync(fetch)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(obj.GetProperty("isLiveBroadcast").GetBoolean());
        Assert.False(obj.GetProperty("liveSaveReplay").GetBoolean());
        Assert.False(obj.GetProperty("permanentLive").GetBoolean());
        Assert.Equal(3, obj.GetProperty("latencyMode").GetInt32());
        Assert.Equal(1, obj.GetProperty("state").GetInt32());
        var hls = Assert.Single(obj.GetProperty("url").EnumerateArray(), u => u.TryGetProperty("mediaType", out var m) && m.GetString() == "application/x-mpegURL");
        Assert.Equal(master, hls.GetProperty("href").GetString());
        var tags = hls.GetProperty("tag").EnumerateArray().ToList();
        Assert.Contains(tags, t => t.GetProperty("type").GetString() == "Infohash");
        Assert.Contains(tags, t => t.TryGetProperty("name", out var n) && n.GetString() == "sha256"
                                   && t.GetProperty("href").GetString() == config.GetProperty("segmentsSha256Url").GetString());
        Assert.DoesNotContain(tags, t => t.TryGetProperty("mediaType", out var m) && m.GetString() == "video/mp4");

        // The publisher stops: A ends the live, and so does B.
        var (exit, stderr) = await publisher.WaitAsync();
        Assert.True(exit == 0, stderr);
        var ended = await FederationTestKit.EventuallyAsync(async () =>
        {
            var video = await onB.GetVideoAsync(uuid);
            return video.GetProperty("state").GetProperty("id").GetInt32() == 5 ? video : (JsonElement?)null;
        }, "the live to end on B", _a, _b);
        Assert.Empty(ended!.Value.GetProperty("streamingPlaylists").EnumerateArray());
        Assert.True(ended.Value.GetProperty("isLive").GetBoolean());
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
