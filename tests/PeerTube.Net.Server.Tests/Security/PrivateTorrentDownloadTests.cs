using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// What an outsider did (issue 15): kept a public video's torrent, stripped its web seed, and once the video was made
/// private downloaded it with aria2c through our tracker and seeder anyway. Here aria2c first shows that the stripped
/// torrent does download while the video is public, then that it gets nothing once the video is private.
/// </summary>
public sealed class PrivateTorrentDownloadTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Seeding:Port"] = ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        ["Seeding:AnnounceAddress"] = "127.0.0.1",
    });

    private readonly string _downloads = Path.Combine(Path.GetTempPath(), "peertube-net-downloads", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Aria2_cannot_download_a_video_made_private_with_the_torrent_kept_from_when_it_was_public()
    {
        await _server.StartAsync();
        using var root = await _server.LoginAsRootAsync();
        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(320, 180, seconds: 3), "Kept torrent");
        var id = created.GetProperty("id").GetInt32();
        var file = (await root.WaitForTranscodingAsync(id)).GetProperty("files")[0];
        var oldHash = file.GetProperty("infoHash").GetString()!;
        var torrent = (BDictionary)Bencode.Decode(await root.Http.GetByteArrayAsync(file.GetProperty("torrentUrl").GetString()));

        // url-list is outside the info dictionary: stripping it leaves the info-hash, and only our tracker and seeder.
        var stripped = new BDictionary(torrent.Entries.Where(e => e.Key != "url-list").ToDictionary(e => e.Key, e => e.Value));
        var torrentPath = Path.Combine(_downloads, "kept.torrent");
        Directory.CreateDirectory(_downloads);
        await File.WriteAllBytesAsync(torrentPath, Bencode.Encode(stripped));

        await FederationTestKit.EventuallyAsync(() => SeededAsync(oldHash), $"our seeder in our tracker's swarm for {oldHash}", _server);
        var (publicExit, publicLog) = await RunAria2Async(torrentPath, "public");
        Assert.True(publicExit == 0, $"while public, aria2c should download through our tracker and seeder: exit {publicExit}\n{publicLog}");
        Assert.True(Downloaded("public") is { } got && new FileInfo(got).Length == file.GetProperty("size").GetInt64(),
            "while public, aria2c should have the whole file");

        var response = await root.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 3 });
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            var video = await root.GetVideoAsync(id);
            return video.GetProperty("files").EnumerateArray().All(f => f.GetProperty("infoHash").GetString() != oldHash);
        }, "the torrents to be replaced after the video was made private", _server);

        var (privateExit, privateLog) = await RunAria2Async(torrentPath, "private");
        Assert.True(privateExit != 0, $"once private, aria2c should get nothing with the old torrent, but it exited with 0\n{privateLog}");
        Assert.True(Downloaded("private") is not { } partial || new FileInfo(partial).Length == 0
                    || File.Exists(partial + ".aria2"), "once private, aria2c should not have the whole file");
    }

    /// <summary>A scrape says a complete peer (our seeder) is in the swarm.</summary>
    private async Task<bool> SeededAsync(string infoHashHex)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        var encoded = string.Concat(Convert.FromHexString(infoHashHex).Select(b => $"%{b:X2}"));
        var scrape = (BDictionary)Bencode.Decode(await http.GetByteArrayAsync($"/tracker/scrape?info_hash={encoded}"));
        return scrape["files"] is BDictionary files && files.Entries.Values.FirstOrDefault() is BDictionary stats
                                                     && stats["complete"] is BInteger { Value: > 0 };
    }

    private string? Downloaded(string run)
    {
        var directory = Path.Combine(_downloads, run);
        return Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*", SearchOption.AllDirectories).FirstOrDefault(f => !f.EndsWith(".aria2", StringComparison.Ordinal))
            : null;
    }

    /// <summary>aria2c with DHT, PEX and local discovery off, giving up after 20 s without a byte.</summary>
    private async Task<(int ExitCode, string Log)> RunAria2Async(string torrentPath, string run)
    {
        var start = new ProcessStartInfo("aria2c") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--dir=" + Path.Combine(_downloads, run), "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
                     "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none", "--summary-interval=0",
                     "--console-log-level=warn", "--bt-stop-timeout=20", "--check-certificate=false", "--no-conf=true", torrentPath,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output + "\n" + await errors);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_downloads, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }
}
