using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

public sealed class VideoPipelineOnSqliteTests() : VideoPipelineTests(DatabaseKind.Sqlite);

public sealed class VideoPipelineOnPostgresTests() : VideoPipelineTests(DatabaseKind.Postgres);

/// <summary>The spine, end to end: upload → transcoding job → PeerTube's HLS layout → published and served.</summary>
public abstract partial class VideoPipelineTests(DatabaseKind database) : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(database);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_video_uploaded_in_one_request_is_transcoded_into_PeerTubes_HLS_layout_and_published()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var source = await TestMedia.VideoAsync(320, 180, seconds: 2);

        var created = await root.UploadVideoAsync(source, "Story of an upload", new Dictionary<string, string>
        {
            ["privacy"] = "1", ["category"] = "15", ["licence"] = "1", ["language"] = "en", ["description"] = "A **test** video",
            ["tags[0]"] = "spine", ["tags[1]"] = "hls", ["nsfw"] = "false", ["downloadEnabled"] = "true", ["commentsPolicy"] = "1",
        });
        var uuid = created.GetProperty("uuid").GetGuid();
        Assert.Equal(22, created.GetProperty("shortUUID").GetString()!.Length);

        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());

        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal("Story of an upload", video.GetProperty("name").GetString());
        Assert.Equal("Science & Technology", video.GetProperty("category").GetProperty("label").GetString());
        Assert.Equal(["spine", "hls"], video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2, video.GetProperty("duration").GetInt32());
        Assert.Equal(100, video.GetProperty("transcodingProgress").GetInt32());

        // The ladder: every profile resolution at or below the 180p input (plus the input's own), and audio only.
        var playlist = video.GetProperty("streamingPlaylists")[0];
        var files = playlist.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal([180, 144, 0], files.Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32()));
        Assert.Equal(files.Count, video.GetProperty("files").GetArrayLength());
        foreach (var file in files)
        {
            Assert.True(file.GetProperty("size").GetInt64() > 0);
            Assert.Matches($"^http://localhost/static/streaming-playlists/hls/{uuid}/[0-9a-f-]{{36}}-\\d+-fragmented\\.mp4$", file.GetProperty("fileUrl").GetString());
            Assert.Matches($"^http://localhost/download/streaming-playlists/hls/videos/{uuid}-\\d+-fragmented\\.mp4$", file.GetProperty("fileDownloadUrl").GetString());
            Assert.True(file.TryGetProperty("torrentUrl", out _), "files[].torrentUrl is part of PeerTube's shape");
        }

        Assert.Equal(25, files[0].GetProperty("fps").GetDouble());
        Assert.Equal(320, files[0].GetProperty("width").GetInt32());
        Assert.False(files[2].GetProperty("hasVideo").GetBoolean());

        // PeerTube's file layout on disk.
        var directory = _server.StoragePath("streaming-playlists", "hls", uuid.ToString());
        var names = Directory.GetFiles(directory).Select(Path.GetFileName).ToList();
        Assert.Single(names, n => MasterName().IsMatch(n!));
        Assert.Single(names, n => ShaName().IsMatch(n!));
        foreach (var resolution in new[] { 180, 144, 0 })
        {
            Assert.Single(names, n => Regex.IsMatch(n!, $"^[0-9a-f-]{{36}}-{resolution}-fragmented\\.mp4$"));
            Assert.Single(names, n => Regex.IsMatch(n!, $"^[0-9a-f-]{{36}}-{resolution}\\.m3u8$"));
        }

        // Every segment's bytes match the sha256 JSON that P2P peers check against.
        var shaFile = Path.Combine(directory, names.Single(n => ShaName().IsMatch(n!))!);
        var hashes = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(await File.ReadAllTextAsync(shaFile))!;
        Assert.Equal(3, hashes.Count);
        foreach (var (fileName, ranges) in hashes)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(directory, fileName));
            Assert.NotEmpty(ranges);
            foreach (var (range, sha) in ranges)
            {
                var parts = range.Split('-').Select(long.Parse).ToArray();
                var actual = Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)parts[0], (int)(parts[1] - parts[0] + 1))));
                Assert.Equal(sha, actual);
            }
        }

        // ffprobe reads the master playlist and finds the video and the audio.
        var master = Path.Combine(directory, names.Single(n => MasterName().IsMatch(n!))!);
        var probe = await TestMedia.RunFfmpegAsync(["-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", master], "ffprobe");
        Assert.Contains("h264", probe);
        Assert.Contains("aac", probe);
        var masterText = await File.ReadAllTextAsync(master);
        Assert.Contains("RESOLUTION=320x180", masterText);
        Assert.Contains("CODECS=\"avc1.", masterText);
        Assert.Contains("FRAME-RATE=25", masterText);

        // Served as PeerTube serves it: byte ranges, content types, long caching, open to other origins.
        var anonymous = _server.CreateClient();
        var masterRequest = new HttpRequestMessage(HttpMethod.Get, playlist.GetProperty("playlistUrl").GetString());
        masterRequest.Headers.Add("Origin", "https://embedding-site.example");
        var masterResponse = await anonymous.SendAsync(masterRequest);
        await masterResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/vnd.apple.mpegurl", masterResponse.Content.Headers.ContentType!.MediaType);
        Assert.Equal("*", masterResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("immutable", masterResponse.Headers.CacheControl!.ToString());

        var segmentRequest = new HttpRequestMessage(HttpMethod.Get, files[0].GetProperty("fileUrl").GetString());
        segmentRequest.Headers.Range = new RangeHeaderValue(100, 199);
        var segment = await anonymous.SendAsync(segmentRequest);
        await segment.ShouldHaveStatusAsync(HttpStatusCode.PartialContent);
        Assert.Equal("video/mp4", segment.Content.Headers.ContentType!.MediaType);
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(directory, Path.GetFileName(files[0].GetProperty("fileUrl").GetString()!)));
        Assert.Equal(onDisk[100..200], await segment.Content.ReadAsByteArrayAsync());

        // The server counts the media bytes it sent (the playlists aside), its own side of the P2P ratio for admins.
        // It counts once the response is complete, which may be just after the client has read it.
        var counted = (await Federation.FederationTestKit.EventuallyAsync(async () =>
        {
            var p2pStats = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/p2p/stats");
            return p2pStats.GetProperty("videos").EnumerateArray()
                .Where(v => v.GetProperty("uuid").GetGuid() == uuid && v.GetProperty("servedHttpBytes").GetInt64() > 0)
                .Select(v => (JsonElement?)v).FirstOrDefault();
        }, "the server to count the bytes of the range it sent"))!.Value;
        Assert.Equal(100, counted.GetProperty("servedHttpBytes").GetInt64());
        Assert.Equal(0, counted.GetProperty("httpBytes").GetInt64());

        var thumbnail = await anonymous.GetAsync(video.GetProperty("thumbnailPath").GetString());
        await thumbnail.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType!.MediaType);
        var download = await anonymous.GetAsync(files[1].GetProperty("fileDownloadUrl").GetString());
        await download.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);

        // Once published, nothing of the upload or the job is left in temporary places.
        Assert.Empty(_server.LeftoverTemporaryFiles());
    }

    [Fact]
    public async Task A_resumable_upload_resumes_where_a_cut_connection_stopped()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(320, 180, seconds: 2));

        var start = await root.StartResumableUploadAsync("clip.mp4", bytes.Length, "Resumed upload");
        await start.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var location = start.Headers.Location!.ToString();
        Assert.Contains("upload_id=", location);

        // The first chunk stalls after 10 000 bytes and the connection is dropped.
        var half = bytes.Length / 2;
        using (var drop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            var cut = await Record.ExceptionAsync(() =>
                root.PutChunkAsync(location, bytes, 0, half - 1, new StallAfterContent(bytes[..half], stallAfter: 10_000), drop.Token));
            Assert.IsAssignableFrom<OperationCanceledException>(cut);
        }

        // The client asks what the server holds, and goes on from there.
        var status = await root.QueryUploadAsync(location, bytes.Length);
        Assert.Equal(308, (int)status.StatusCode);
        var held = long.Parse(Regex.Match(status.Headers.GetValues("Range").Single(), @"^bytes=0-(\d+)$").Groups[1].Value) + 1;
        Assert.InRange(held, 1, 10_000);

        var middle = await root.PutChunkAsync(location, bytes, held, half - 1);
        Assert.Equal(308, (int)middle.StatusCode);
        Assert.Equal($"bytes=0-{half - 1}", middle.Headers.GetValues("Range").Single());

        var last = await root.PutChunkAsync(location, bytes, half, bytes.Length - 1);
        await last.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var created = (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video");

        // A retried last chunk (the answer was lost) gets the same answer, not a second video.
        var retried = await root.PutChunkAsync(location, bytes, half, bytes.Length - 1);
        await retried.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(created.GetProperty("id").GetInt32(), (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video").GetProperty("id").GetInt32());

        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        var source = Path.Combine(_server.StoragePath("streaming-playlists", "hls", created.GetProperty("uuid").GetString()!));
        Assert.True(Directory.GetFiles(source, "*-master.m3u8").Length == 1);
        Assert.Empty(_server.LeftoverTemporaryFiles());
    }

    [Fact]
    public async Task A_status_query_after_every_byte_arrived_finishes_the_upload_instead_of_asking_for_nothing()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync(160, 90, seconds: 2));
        var start = await root.StartResumableUploadAsync("clip.mp4", bytes.Length, "Answer lost");
        await start.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var location = start.Headers.Location!.ToString();

        // The server stored the last chunk, then the request died before the video was created (its answer never
        // reached the client). The bytes are all there; the client only knows it must ask.
        var uploadId = Regex.Match(location, "upload_id=([^&]+)").Groups[1].Value;
        await File.WriteAllBytesAsync(Path.Combine(_server.StoragePath("tmp", "resumable-uploads"), uploadId), bytes, TestContext.Current.CancellationToken);

        var status = await root.QueryUploadAsync(location, bytes.Length);
        await status.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var created = (await status.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("video");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Videos_are_listed_with_PeerTubes_paging_and_found_by_id_uuid_or_short_uuid()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var creator = await root.CreateUserAndLoginAsync(_server, "lister");
        var source = await TestMedia.VideoAsync(160, 90, seconds: 2);
        var ids = new List<int>();
        foreach (var name in new[] { "First video", "Second video", "Third video" })
        {
            ids.Add((await creator.UploadVideoAsync(source, name)).GetProperty("id").GetInt32());
        }

        foreach (var id in ids)
        {
            await creator.WaitForTranscodingAsync(id);
        }

        var anonymous = _server.CreateClient();
        var page = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/lister_channel/videos?start=1&count=1&sort=name");
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal("Second video", page.GetProperty("data")[0].GetProperty("name").GetString());

        var all = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos?count=100&sort=-publishedAt");
        Assert.True(all.GetProperty("total").GetInt32() >= 3);
        Assert.All(ids, id => Assert.Contains(all.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id));

        var bad = await anonymous.GetAsync("/api/v1/videos?count=1000");
        await bad.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var byId = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{ids[0]}");
        var byUuid = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{byId.GetProperty("uuid").GetString()}");
        var byShort = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{byId.GetProperty("shortUUID").GetString()}");
        Assert.Equal(ids[0], byUuid.GetProperty("id").GetInt32());
        Assert.Equal(ids[0], byShort.GetProperty("id").GetInt32());
        await (await anonymous.GetAsync("/api/v1/videos/999999")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [GeneratedRegex(@"^[0-9a-f-]{36}-master\.m3u8$")]
    private static partial Regex MasterName();

    [GeneratedRegex(@"^[0-9a-f-]{36}-segments-sha256\.json$")]
    private static partial Regex ShaName();
}

/// <summary>Sends the first bytes of a body, then nothing more until the request is dropped.</summary>
internal sealed class StallAfterContent(byte[] body, int stallAfter) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(body.AsMemory(0, stallAfter), cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = body.Length;
        return true;
    }
}
