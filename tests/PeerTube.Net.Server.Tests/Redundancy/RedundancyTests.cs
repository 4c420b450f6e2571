using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Redundancy;

/// <summary>
/// B and C follow A. C keeps copies of trending videos. A's video gets a view, C copies it, checks it against A's
/// sha256 JSON and announces it; A and B list C as a source. With A down, C still serves every file a player needs.
/// When C's cap is lowered, C drops the copy and the others forget it. A copy whose bytes do not match is never served.
/// </summary>
public sealed class RedundancyTests : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Fast = new() { ["Federation:ViewsBatchSeconds"] = "1" };

    // A honours C's copy without following C, and rebuilds its torrents (C's copy is a web seed) a second after hearing of it.
    private readonly ServerProcess _a = FederationTestKit.Instance(new Dictionary<string, string>(Fast)
    {
        ["Redundancy:AcceptFrom"] = "anybody",
        ["Redundancy:TorrentRebuildDelaySeconds"] = "1",
    });
    private readonly ServerProcess _b = FederationTestKit.Instance(Fast);
    private readonly ServerProcess _c = FederationTestKit.Instance(new Dictionary<string, string>(Fast)
    {
        ["Redundancy:CheckIntervalSeconds"] = "1",
        ["Redundancy:Strategies:0:Strategy"] = "trending",
        ["Redundancy:Strategies:0:SizeBytes"] = "500000000",
        ["Redundancy:Strategies:0:MinLifetimeHours"] = "1",
    });

    [Fact]
    public async Task A_trending_video_is_copied_announced_served_while_its_origin_is_down_and_dropped_when_the_cap_is_lowered()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync(), _c.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        var rootC = await _c.LoginAsRootAsync();
        await rootB.FollowAsync(_a.Host(), _a, _b);
        await rootC.FollowAsync(_a.Host(), _a, _c);
        var published = await rootA.PublishAsync("Popular on A");
        var uuid = published.GetProperty("uuid").GetString()!;
        await FederationTestKit.EventuallyAsync(() => _b.Anonymous().ListedAsync(uuid), "the video to be listed on B", _a, _b);
        await FederationTestKit.EventuallyAsync(() => _c.Anonymous().ListedAsync(uuid), "the video to be listed on C", _a, _c);

        // Only C's admin lets C's strategies copy A's videos.
        var eve = await rootC.CreateUserAsync(_c, "eve");
        var allow = new { redundancyAllowed = true };
        await (await eve.Http.PutAsJsonAsync($"/api/v1/server/redundancy/{_a.Host()}", allow)).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await eve.Http.GetAsync("/api/v1/server/redundancy/videos?target=remote-videos")).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await rootC.Http.PutAsJsonAsync("/api/v1/server/redundancy/unknown.example", allow)).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await (await rootC.Http.PutAsJsonAsync($"/api/v1/server/redundancy/{_a.Host()}", allow)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        // A viewer on A: A tells its followers, the video trends on C, and C copies it.
        await (await _a.Anonymous().Http.PostAsync($"/api/v1/videos/{uuid}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var copy = await FederationTestKit.EventuallyAsync(async () =>
        {
            var list = await rootC.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/redundancy/videos?target=remote-videos");
            return list.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("redundancies").GetProperty("streamingPlaylists")[0])
                .Cast<JsonElement?>().FirstOrDefault(r => r!.Value.GetProperty("state").GetString() == "ready");
        }, "C to copy the video", _a, _c);
        Assert.Equal("trending", copy!.Value.GetProperty("strategy").GetString());
        var baseUrl = $"{_c.BaseUrl}/static/redundancy/hls/{uuid}";
        Assert.Equal(baseUrl, copy.Value.GetProperty("fileUrl").GetString());

        // Byte for byte what A has.
        using var anyone = new HttpClient();
        var files = published.GetProperty("streamingPlaylists")[0].GetProperty("files").EnumerateArray().Select(f => f.GetProperty("fileUrl").GetString()!).ToList();
        foreach (var fileUrl in files)
        {
            Assert.Equal(await anyone.GetByteArrayAsync(fileUrl), await anyone.GetByteArrayAsync($"{baseUrl}/{fileUrl.Split('/')[^1]}"));
        }

        // A and B learn of the copy: a second source for players.
        foreach (var (server, client) in new[] { (_a, rootA), (_b, rootB) })
        {
            await FederationTestKit.EventuallyAsync(async () =>
            {
                var video = await client.GetVideoAsync(uuid);
                return video.GetProperty("streamingPlaylists")[0].GetProperty("redundancies").EnumerateArray().Any(r => r.GetProperty("baseUrl").GetString() == baseUrl);
            }, $"{server.Host()} to list C's copy", _a, _b, _c);
        }

        // A's torrents gain C's copy as a web seed.
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var torrentUrl = (await rootA.GetVideoAsync(uuid)).GetProperty("files")[0].GetProperty("torrentUrl").GetString()!;
            // The rebuild may replace the file between the two requests (the old one is then gone): ask again.
            using var torrent = await anyone.GetAsync(torrentUrl);
            if (torrent.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return false;
            }

            var metainfo = PeerTube.Net.Media.Torrents.TorrentParser.Parse(await torrent.EnsureSuccessStatusCode().Content.ReadAsByteArrayAsync());
            return metainfo.WebSeeds.Count == 2 && metainfo.WebSeeds[1].StartsWith(baseUrl + "/", StringComparison.Ordinal);
        }, "A's torrent to list C's copy as a web seed", _a, _c);

        var ofMine = await rootA.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/redundancy/videos?target=my-videos");
        Assert.Equal(_c.Host(), ofMine.GetProperty("data")[0].GetProperty("redundancies").GetProperty("streamingPlaylists")[0].GetProperty("host").GetString());

        // C's admin page lists the copy, with its origin and the space the strategy uses.
        using (var page = new HttpRequestMessage(HttpMethod.Get, $"{_c.BaseUrl}/admin"))
        {
            page.Headers.Add("Cookie", $"pt_token={rootC.Http.DefaultRequestHeaders.Authorization!.Parameter}");
            var html = await (await anyone.SendAsync(page)).Content.ReadAsStringAsync();
            Assert.Contains($"data-uuid=\"{uuid}\"", html);
            Assert.Contains($"ours, of {_a.Host()} (trending)", html);
            Assert.Contains("data-strategy=\"trending\"", html);
        }

        // A copy whose bytes do not match A's sha256 JSON is refused and never served.
        var damaged = await rootA.PublishAsync("Damaged on A");
        var damagedUuid = damaged.GetProperty("uuid").GetString()!;
        var damagedFile = damaged.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!.Split('/')[^1];
        await FederationTestKit.EventuallyAsync(() => _c.Anonymous().ListedAsync(damagedUuid), "the damaged video to be listed on C", _a, _c);
        Corrupt(_a.StoragePath("streaming-playlists", "hls", damagedUuid, damagedFile));
        await (await eve.Http.PostAsJsonAsync("/api/v1/server/redundancy/videos", new { videoId = damagedUuid })).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await (await rootC.Http.PostAsJsonAsync("/api/v1/server/redundancy/videos", new { videoId = damagedUuid })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var refused = await FederationTestKit.EventuallyAsync(async () =>
        {
            var list = await rootC.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/redundancy/videos?target=remote-videos");
            return list.GetProperty("data").EnumerateArray().Where(v => v.GetProperty("uuid").GetString() == damagedUuid)
                .Select(v => v.GetProperty("redundancies").GetProperty("streamingPlaylists")[0])
                .Cast<JsonElement?>().FirstOrDefault(r => r!.Value.GetProperty("state").GetString() == "failed");
        }, "C to refuse the damaged copy", _a, _c);
        Assert.Contains("sha256", refused!.Value.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await anyone.GetAsync($"{_c.BaseUrl}/static/redundancy/hls/{damagedUuid}/{damagedFile}")).StatusCode);
        Assert.Empty((await rootA.GetVideoAsync(damagedUuid)).GetProperty("streamingPlaylists")[0].GetProperty("redundancies").EnumerateArray());

        // A is down. B still knows of C's copy, and C serves the playlists, the sha256 JSON and segments that match it.
        await _a.KillAsync();
        var onB = await rootB.GetVideoAsync(uuid);
        var mirror = onB.GetProperty("streamingPlaylists")[0].GetProperty("redundancies")[0].GetProperty("baseUrl").GetString()!;
        var masterName = onB.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!.Split('/')[^1];
        var master = await anyone.GetStringAsync($"{mirror}/{masterName}");
        Assert.StartsWith("#EXTM3U", master);
        var shaName = onB.GetProperty("streamingPlaylists")[0].GetProperty("segmentsSha256Url").GetString()!.Split('/')[^1];
        var hashes = await anyone.GetFromJsonAsync<JsonElement>($"{mirror}/{shaName}");
        var checkedRanges = 0;
        foreach (var file in hashes.EnumerateObject())
        {
            foreach (var range in file.Value.EnumerateObject())
            {
                var bounds = range.Name.Split('-').Select(long.Parse).ToArray();
                var request = new HttpRequestMessage(HttpMethod.Get, $"{mirror}/{file.Name}") { Headers = { Range = new(bounds[0], bounds[1]) } };
                var segment = await (await anyone.SendAsync(request)).Content.ReadAsByteArrayAsync();
                Assert.Equal(range.Value.GetString(), Convert.ToHexStringLower(SHA256.HashData(segment)));
                checkedRanges++;
            }
        }

        Assert.True(checkedRanges > 1);

        // A is back; C's cap is lowered below the copy's size: C drops it and tells A, and A tells B.
        await _a.StartAsync();
        await _c.KillAsync();
        await _c.StartAsync(new Dictionary<string, string> { ["Redundancy:Strategies:0:SizeBytes"] = "1" });
        await FederationTestKit.EventuallyAsync(async () =>
                (await rootC.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/redundancy/videos?target=remote-videos")).GetProperty("data")
                .EnumerateArray().All(v => v.GetProperty("uuid").GetString() != uuid),
            "C to drop the copy", _a, _c);
        Assert.Equal(HttpStatusCode.NotFound, (await anyone.GetAsync($"{baseUrl}/{masterName}")).StatusCode);
        foreach (var (server, client) in new[] { (_a, rootA), (_b, rootB) })
        {
            await FederationTestKit.EventuallyAsync(async () =>
                (await client.GetVideoAsync(uuid)).GetProperty("streamingPlaylists")[0].GetProperty("redundancies").GetArrayLength() == 0,
                $"{server.Host()} to forget C's copy", _a, _b, _c);
        }
    }

    /// <summary>Flips bytes in the middle of a file, keeping its size: only the hashes can tell.</summary>
    private static void Corrupt(string path)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = file.Length / 2;
        var bytes = new byte[64];
        file.ReadExactly(bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] ^= 0xFF;
        }

        file.Position = file.Length / 2;
        file.Write(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _c.DisposeAsync();
    }
}
