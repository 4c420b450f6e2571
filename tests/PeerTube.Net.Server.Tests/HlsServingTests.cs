using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The HLS file route at speed (HlsFiles): playlists from memory with an ETag that follows the file, access decisions
/// cached for a bounded time, byte ranges as before, and the access check nginx asks when it serves the files itself.
/// </summary>
public sealed class HlsServingTests : IAsyncLifetime
{
    private const int AccessCacheSeconds = 2;
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Streaming:AccessCacheSeconds"] = AccessCacheSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "owner");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "stranger");
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        _stranger.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_playlist_carries_an_ETag_answers_304_to_it_and_changes_with_the_file()
    {
        var (_, video) = await PublishedVideoAsync("Playlists", privacy: 1);
        var playlistUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        var anonymous = PeerTubeClient.CreateHttpClient(_server);

        var first = await anonymous.GetAsync(playlistUrl);
        await first.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Equal("application/vnd.apple.mpegurl", first.Content.Headers.ContentType!.MediaType);
        Assert.Contains("immutable", first.Headers.CacheControl!.ToString());
        var body = await first.Content.ReadAsStringAsync();
        Assert.StartsWith("#EXTM3U", body);

        var again = new HttpRequestMessage(HttpMethod.Get, playlistUrl);
        again.Headers.IfNoneMatch.Add(etag);
        var notModified = await anonymous.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        var head = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, playlistUrl));
        await head.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(etag, head.Headers.ETag);

        // Rewritten in place, as a live playlist is every segment: the next request has the new content and a new tag,
        // and the old tag no longer matches.
        var onDisk = _server.StoragePath("streaming-playlists", "hls", video.GetProperty("uuid").GetString()!, Path.GetFileName(new Uri(playlistUrl).AbsolutePath));
        await File.AppendAllTextAsync(onDisk, "# rewritten\n");
        var changed = await anonymous.GetAsync(playlistUrl);
        await changed.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(body + "# rewritten\n", await changed.Content.ReadAsStringAsync());
        Assert.NotEqual(etag, changed.Headers.ETag);
        var stale = new HttpRequestMessage(HttpMethod.Get, playlistUrl);
        stale.Headers.IfNoneMatch.Add(etag);
        await (await anonymous.SendAsync(stale)).ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Same length, new bytes, new modification time: still noticed.
        var text = await File.ReadAllTextAsync(onDisk);
        await File.WriteAllTextAsync(onDisk, text.Replace("# rewritten", "# rewrote!!"));
        File.SetLastWriteTimeUtc(onDisk, DateTime.UtcNow.AddSeconds(5));
        Assert.EndsWith("# rewrote!!\n", await anonymous.GetStringAsync(playlistUrl));

        // Gone from disk: 404, not the copy in memory.
        File.Delete(onDisk);
        await (await anonymous.GetAsync(playlistUrl)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Byte_ranges_HEAD_and_the_served_bytes_count_are_as_before()
    {
        var (_, video) = await PublishedVideoAsync("Ranges", privacy: 1);
        var uuid = video.GetProperty("uuid").GetGuid();
        var fileUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!;
        var onDisk = await File.ReadAllBytesAsync(_server.StoragePath("streaming-playlists", "hls", uuid.ToString(), Path.GetFileName(fileUrl)));
        var length = onDisk.Length;
        var anonymous = PeerTubeClient.CreateHttpClient(_server);

        async Task<HttpResponseMessage> GetAsync(string? range, HttpMethod? method = null)
        {
            var request = new HttpRequestMessage(method ?? HttpMethod.Get, fileUrl);
            if (range is not null)
            {
                request.Headers.TryAddWithoutValidation("Range", range);
            }

            return await anonymous.SendAsync(request);
        }

        var whole = await GetAsync(null);
        await whole.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(onDisk, await whole.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.NotNull(whole.Content.Headers.LastModified);
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType!.MediaType);
        Assert.Contains("immutable", whole.Headers.CacheControl!.ToString());

        var middle = await GetAsync("bytes=100-199");
        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal($"bytes 100-199/{length}", middle.Content.Headers.ContentRange!.ToString());
        Assert.Equal(onDisk[100..200], await middle.Content.ReadAsByteArrayAsync());

        var open = await GetAsync($"bytes={length - 10}-");
        Assert.Equal(HttpStatusCode.PartialContent, open.StatusCode);
        Assert.Equal(onDisk[^10..], await open.Content.ReadAsByteArrayAsync());

        var pastTheEnd = await GetAsync($"bytes={length - 5}-{length + 1000}");
        Assert.Equal(HttpStatusCode.PartialContent, pastTheEnd.StatusCode);
        Assert.Equal($"bytes {length - 5}-{length - 1}/{length}", pastTheEnd.Content.Headers.ContentRange!.ToString());

        var suffix = await GetAsync("bytes=-20");
        Assert.Equal(HttpStatusCode.PartialContent, suffix.StatusCode);
        Assert.Equal(onDisk[^20..], await suffix.Content.ReadAsByteArrayAsync());

        var unsatisfiable = await GetAsync($"bytes={length}-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal($"bytes */{length}", unsatisfiable.Content.Headers.ContentRange!.ToString());

        // Several ranges: ASP.NET Core's file results ignore the header and send the whole file; so do we.
        var several = await GetAsync("bytes=0-9,20-29");
        Assert.Equal(HttpStatusCode.OK, several.StatusCode);
        Assert.Equal(length, (await several.Content.ReadAsByteArrayAsync()).Length);

        var head = await GetAsync(null, HttpMethod.Head);
        await head.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        // From another origin: the CORS headers, as before.
        var cors = new HttpRequestMessage(HttpMethod.Get, fileUrl);
        cors.Headers.Add("Origin", "https://embedding-site.example");
        cors.Headers.Range = new RangeHeaderValue(0, 9);
        var corsResponse = await anonymous.SendAsync(cors);
        Assert.Equal(HttpStatusCode.PartialContent, corsResponse.StatusCode);
        Assert.Equal("*", corsResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // Counted exactly: the whole file twice (plain and several ranges), 100 + 10 + 5 + 20 + 10 bytes of ranges; not
        // HEAD, not the 416.
        var expected = 2L * length + 100 + 10 + 5 + 20 + 10;
        var traffic = _server.Services.GetRequiredService<SegmentTraffic>();
        await Federation.FederationTestKit.EventuallyAsync(() => Task.FromResult(traffic.BytesOf(uuid) == expected),
            $"the served bytes to add up to {expected}");
        await Task.Delay(200);
        Assert.Equal(expected, traffic.BytesOf(uuid));
    }

    [Fact]
    public async Task A_video_made_private_on_another_node_stops_being_served_within_the_access_cache_bound()
    {
        var (id, video) = await PublishedVideoAsync("Soon private", privacy: 1);
        var playlistUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        var fileUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!;
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        await (await anonymous.GetAsync(playlistUrl)).ShouldHaveStatusAsync(HttpStatusCode.OK);

        // Another node changes the row: this node hears nothing and relies on the bound.
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Videos.Where(v => v.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.Privacy, VideoPrivacy.Private));
        }

        var changedAt = Stopwatch.StartNew();
        while ((await anonymous.GetAsync(playlistUrl)).StatusCode == HttpStatusCode.OK)
        {
            Assert.True(changedAt.Elapsed < TimeSpan.FromSeconds(AccessCacheSeconds + 1),
                $"The playlist of a private video was still served {changedAt.Elapsed.TotalSeconds:0.0} s after the change (bound {AccessCacheSeconds} s).");
            await Task.Delay(100);
        }

        await (await anonymous.GetAsync(playlistUrl)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await anonymous.GetAsync(fileUrl)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await anonymous.GetAsync(playlistUrl.Replace("/hls/", "/hls/private/"))).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        // Made public again through this node's API: at once, no waiting for the bound.
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await anonymous.GetAsync(playlistUrl)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 3 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await anonymous.GetAsync(playlistUrl)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await anonymous.GetAsync(fileUrl)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Private_files_need_the_owner_or_a_token_on_the_fast_path_too()
    {
        var (id, video) = await PublishedVideoAsync("Private files", privacy: 3);
        var playlistUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        var fileUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!;
        Assert.Contains("/hls/private/", fileUrl);
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var token = await FileTokenAsync(id);
        var otherToken = await FileTokenAsync((await PublishedVideoAsync("Another private one", privacy: 3)).Id);

        foreach (var url in new[] { playlistUrl, fileUrl })
        {
            await (await anonymous.GetAsync(url)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
            await (await _stranger.Http.GetAsync(url)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
            await (await anonymous.GetAsync($"{url}?videoFileToken={otherToken}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
            await (await anonymous.GetAsync($"{url}?videoFileToken={token}x")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
            await (await anonymous.GetAsync(url.Replace("/private/", "/") + $"?videoFileToken={token}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
            var byToken = await anonymous.GetAsync($"{url}?videoFileToken={token}");
            await byToken.ShouldHaveStatusAsync(HttpStatusCode.OK);
            Assert.True(byToken.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {byToken.Headers.CacheControl}");
            await (await _owner.Http.GetAsync(url)).ShouldHaveStatusAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task The_access_check_for_nginx_allows_only_whom_the_files_route_would()
    {
        var (privateId, privateVideo) = await PublishedVideoAsync("For the owner", privacy: 3);
        var (_, publicVideo) = await PublishedVideoAsync("For everyone", privacy: 1);
        var privateFile = new Uri(privateVideo.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!).AbsolutePath;
        var publicFile = new Uri(publicVideo.GetProperty("streamingPlaylists")[0].GetProperty("files")[0].GetProperty("fileUrl").GetString()!).AbsolutePath;
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var token = await FileTokenAsync(privateId);

        async Task<HttpStatusCode> AskAsync(HttpClient client, string originalUri)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, StreamingEndpoints.HlsAccessPath);
            request.Headers.Add("X-Original-URI", originalUri);
            return (await client.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, privateFile));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(_stranger.Http, privateFile));
        Assert.Equal(HttpStatusCode.NoContent, await AskAsync(_owner.Http, privateFile));
        Assert.Equal(HttpStatusCode.NoContent, await AskAsync(_root.Http, privateFile));
        Assert.Equal(HttpStatusCode.NoContent, await AskAsync(anonymous, $"{privateFile}?videoFileToken={token}"));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, $"{privateFile}?videoFileToken={token}0"));
        // The private video's files under the public path: refused even to its owner, as the files route does.
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(_owner.Http, privateFile.Replace("/private/", "/")));

        Assert.Equal(HttpStatusCode.NoContent, await AskAsync(anonymous, publicFile));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, publicFile.Replace("/hls/", "/hls/private/")));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, publicFile.Replace("-fragmented.mp4", "-missing.mp4")));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, publicFile + "/../../../../keys/video-file-token.key"));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, "/api/v1/videos"));
        Assert.Equal(HttpStatusCode.Forbidden, await AskAsync(anonymous, ""));
    }

    private async Task<string> FileTokenAsync(int id)
    {
        var response = await _owner.Http.PostAsync($"/api/v1/videos/{id}/token", null);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files").GetProperty("token").GetString()!;
    }

    private async Task<(int Id, JsonElement Video)> PublishedVideoAsync(string name, int privacy)
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90), name, new Dictionary<string, string>
        {
            ["privacy"] = privacy.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var id = created.GetProperty("id").GetInt32();
        var video = await _owner.WaitForTranscodingAsync(id);
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        return (id, await _owner.GetVideoAsync(id));
    }
}
