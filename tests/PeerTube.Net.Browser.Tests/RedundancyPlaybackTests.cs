using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Browser.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests;

/// <summary>Three of our instances: B and C follow A, and C keeps a copy of A's video. One Chromium.</summary>
public sealed class MirroredSites : IAsyncLifetime
{
    // A (which C's copy is announced to) and B (which hears of it through A) take the copy of C, which neither follows:
    // the default, Redundancy:AcceptFrom=followings, would not.
    public ServerProcess A { get; } = FederationTestKit.Instance(new Dictionary<string, string> { ["Redundancy:AcceptFrom"] = "anybody" });
    public ServerProcess B { get; } = FederationTestKit.Instance(new Dictionary<string, string> { ["Redundancy:AcceptFrom"] = "anybody" });
    public ServerProcess C { get; } = FederationTestKit.Instance();
    public Chromium Chromium { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Chromium.InitializeAsync().AsTask(), A.StartAsync(), B.StartAsync(), C.StartAsync());
        using var rootB = await B.LoginAsRootAsync();
        using var rootC = await C.LoginAsRootAsync();
        await rootB.FollowAsync(A.Host(), A, B);
        await rootC.FollowAsync(A.Host(), A, C);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await C.DisposeAsync();
        await Chromium.DisposeAsync();
    }
}

/// <summary>
/// C keeps a copy of A's video. B's watch page fetches segments from both A and C; when A is down, the video still
/// plays to the end on B and on C, from C's copy.
/// </summary>
public sealed class RedundancyPlaybackTests(MirroredSites sites) : BrowserStories(sites.Chromium, sites.B.BaseUrl), IClassFixture<MirroredSites>
{
    private const string Player = "#pt-player video";

    [Fact]
    public async Task The_player_shares_requests_between_the_origin_and_a_copy_and_plays_from_the_copy_when_the_origin_is_down()
    {
        using var rootA = await sites.A.LoginAsRootAsync();
        using var rootC = await sites.C.LoginAsRootAsync();
        var source = await TestMedia.VideoAsync(320, 180, seconds: 8);
        var uploaded = await rootA.UploadVideoAsync(source, "Kept on C");
        var uuid = uploaded.GetProperty("uuid").GetString()!;
        await rootA.WaitForTranscodingAsync(uuid);
        var listed = (await FederationTestKit.EventuallyAsync(() => sites.B.Anonymous().ListedAsync(uuid), "the video to be listed on B", sites.A, sites.B))!.Value;
        await FederationTestKit.EventuallyAsync(() => sites.C.Anonymous().ListedAsync(uuid), "the video to be listed on C", sites.A, sites.C);

        // C's admin copies it; B hears of the copy through A.
        var copied = await rootC.Http.PostAsJsonAsync("/api/v1/server/redundancy/videos", new { videoId = uuid });
        await copied.ShouldHaveStatusAsync(System.Net.HttpStatusCode.NoContent);
        var mirror = $"{sites.C.BaseUrl}/static/redundancy/hls/{uuid}";
        await FederationTestKit.EventuallyAsync(async () =>
            (await sites.B.Anonymous().GetVideoAsync(uuid)).GetProperty("streamingPlaylists")[0].GetProperty("redundancies")
            .EnumerateArray().Any(r => r.GetProperty("baseUrl").GetString() == mirror), "B to list C's copy", sites.A, sites.B, sites.C);
        var watchPath = $"/w/{listed.GetProperty("shortUUID").GetString()}";

        // On B, with A up: segments come from A and from C.
        var first = await VisitAsync();
        await PlayToTheEndAsync(first, sites.B.BaseUrl + watchPath);
        var segments = first.Requests.Where(r => r.Path.EndsWith("-fragmented.mp4", StringComparison.Ordinal)).ToList();
        Assert.True(segments.Any(r => r.Url.StartsWith(sites.A.BaseUrl + "/", StringComparison.Ordinal)),
            $"no segment was fetched from A (the origin).{first.Diagnostics()}");
        Assert.True(segments.Any(r => r.Url.StartsWith(mirror + "/", StringComparison.Ordinal)),
            $"no segment was fetched from C's copy.{first.Diagnostics()}");
        // Each server's own count agrees: A sent media bytes of the video, and so did C's copy.
        var servedByA = await OriginBytesServedAsync(rootA, uuid);
        Assert.True(servedByA > 0, "A's own count says it sent no media bytes of the video");
        var served = await CopyBytesServedAsync(rootC);
        Assert.True(served > 0, "C's own count says its copy served nothing");

        // A goes down. The video still plays to the end on B and on C, from C's copy.
        await sites.A.KillAsync();
        var onB = await VisitAsync();
        await PlayToTheEndAsync(onB, sites.B.BaseUrl + watchPath);
        Assert.Contains(onB.Requests, r => r.Url.StartsWith(mirror + "/", StringComparison.Ordinal) && r.Path.EndsWith(".m3u8", StringComparison.Ordinal));
        Assert.True(onB.Requests.Any(r => r.Url.StartsWith(mirror + "/", StringComparison.Ordinal) && r.Path.EndsWith("-fragmented.mp4", StringComparison.Ordinal)),
            $"B's player took no segment from C with A down.{onB.Diagnostics()}");
        await onB.ScreenshotAsync("redundancy-origin-down-on-b.png");

        var onC = await VisitAsync();
        await PlayToTheEndAsync(onC, sites.C.BaseUrl + watchPath);
        Assert.True(await CopyBytesServedAsync(rootC) > served, "C's copy served nothing to the viewers who came while A was down");
    }

    private async Task PlayToTheEndAsync(BrowserSession visitor, string url)
    {
        var opened = await visitor.GotoAsync(url);
        Assert.True(opened.Status == 200, $"GET {url} answered {opened.Status}.{visitor.Diagnostics()}");
        await visitor.WaitForAsync("() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
            "#pt-player[data-pt-ready=true] (the master playlist parsed)", TimeSpan.FromSeconds(40));
        await visitor.Page.ClickAsync("#pt-player button[data-pt=play]");
        await visitor.WaitForAsync($"() => {{ const v = document.querySelector('{Player}'); return !!v && (v.ended || (v.duration > 0 && v.currentTime >= v.duration - 0.3)); }}",
            "the video to play to its end", TimeSpan.FromSeconds(60));
        var frames = await visitor.Page.EvaluateAsync<int>($"() => document.querySelector('{Player}').getVideoPlaybackQuality().totalVideoFrames");
        Assert.True(frames > 0, $"no frame was decoded.{visitor.Diagnostics()}");
        Assert.True(await visitor.Page.Locator(".pt-error:visible").CountAsync() == 0,
            $"the player shows an error: '{string.Join(" ", await visitor.Page.Locator(".pt-error").AllInnerTextsAsync())}'.{visitor.Diagnostics()}");
    }

    private static async Task<long> OriginBytesServedAsync(PeerTubeClient rootA, string uuid)
    {
        var stats = await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/p2p/stats?count=500");
        return stats.GetProperty("videos").EnumerateArray().Where(v => v.GetProperty("uuid").GetString() == uuid)
            .Select(v => v.GetProperty("servedHttpBytes").GetInt64()).FirstOrDefault();
    }

    private static async Task<long> CopyBytesServedAsync(PeerTubeClient rootC)
    {
        var list = await rootC.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/redundancy/videos?target=remote-videos");
        return list.GetProperty("data").EnumerateArray()
            .SelectMany(v => v.GetProperty("redundancies").GetProperty("streamingPlaylists").EnumerateArray())
            .Sum(r => r.GetProperty("bytesServed").GetInt64());
    }
}
