using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// Independent BitTorrent clients from Debian download our renditions: once through the web seed alone, once
/// through our tracker and our seeder alone. DHT, PEX and local discovery are off, so nothing else can help.
/// </summary>
public sealed class TorrentClientTests : IAsyncDisposable
{
    private readonly int _seederPort = ServerProcess.FreePort();
    private readonly ServerProcess _server;
    private readonly string _downloads = Path.Combine(Path.GetTempPath(), "peertube-net-downloads", Guid.NewGuid().ToString("N"));

    public TorrentClientTests()
    {
        _server = new ServerProcess(new Dictionary<string, string>
        {
            ["Seeding:Port"] = _seederPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Seeding:AnnounceAddress"] = "127.0.0.1",
        });
        Directory.CreateDirectory(_downloads);
    }

    [Fact]
    public async Task Aria2_downloads_a_rendition_through_the_web_seed_alone()
    {
        var (file, torrent) = await PublishAndFetchTorrentAsync();
        var metainfo = (BDictionary)Bencode.Decode(torrent);
        Assert.NotNull(metainfo["url-list"]);
        Assert.Equal("PeerTube.Net", ((BString)metainfo["created by"]!).Text);

        // No tracker at all: the only source is the HTTP web seed.
        var torrentPath = await SaveAsync(torrent, "webseed.torrent");
        await RunAria2Async(torrentPath, "--bt-exclude-tracker=*");

        await ShouldMatchAsync(file);
    }

    [Fact]
    public async Task Aria2_downloads_a_rendition_through_our_tracker_and_seeder_alone()
    {
        var (file, torrent) = await PublishAndFetchTorrentAsync();

        // Strip the web seed: url-list is outside the info dictionary, so the info-hash is unchanged.
        var metainfo = (BDictionary)Bencode.Decode(torrent);
        var stripped = new BDictionary(metainfo.Entries.Where(e => e.Key != "url-list").ToDictionary(e => e.Key, e => e.Value));
        Assert.Null(stripped["url-list"]);
        var torrentPath = await SaveAsync(Bencode.Encode(stripped), "tracker-only.torrent");

        // Our seeder announces itself to our tracker; a client arriving before that would find nobody.
        await WaitForSeederInTrackerAsync(file.GetProperty("infoHash").GetString()!);
        await RunAria2Async(torrentPath);

        await ShouldMatchAsync(file);
    }

    /// <summary>Uploads a small video, waits for it, and returns its top rendition's file info and torrent bytes.</summary>
    private async Task<(JsonElement File, byte[] Torrent)> PublishAndFetchTorrentAsync()
    {
        await _server.StartAsync();
        using var root = await _server.LoginAsRootAsync();
        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(640, 360, seconds: 4), "Shared over BitTorrent");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());

        var file = video.GetProperty("files")[0];
        Assert.Matches("^[0-9a-f]{40}$", file.GetProperty("infoHash").GetString());
        Assert.StartsWith("magnet:?xs=", file.GetProperty("magnetUri").GetString());
        Assert.Contains("xt=urn:btih:" + file.GetProperty("infoHash").GetString(), file.GetProperty("magnetUri").GetString());
        var torrentResponse = await root.Http.GetAsync(file.GetProperty("torrentUrl").GetString());
        await torrentResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("application/x-bittorrent", torrentResponse.Content.Headers.ContentType!.MediaType);
        var download = await root.Http.GetAsync(file.GetProperty("torrentDownloadUrl").GetString());
        await download.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (file, await torrentResponse.Content.ReadAsByteArrayAsync());
    }

    private async Task WaitForSeederInTrackerAsync(string infoHashHex)
    {
        var encoded = string.Concat(Convert.FromHexString(infoHashHex).Select(b => $"%{b:X2}"));
        using var http = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var scrape = (BDictionary)Bencode.Decode(await http.GetByteArrayAsync($"/tracker/scrape?info_hash={encoded}", timeout.Token));
            if (scrape["files"] is BDictionary files && files.Entries.Values.FirstOrDefault() is BDictionary stats
                && stats["complete"] is BInteger { Value: > 0 })
            {
                return;
            }

            await Task.Delay(250, timeout.Token);
        }
    }

    private async Task<string> SaveAsync(byte[] torrent, string name)
    {
        var path = Path.Combine(_downloads, name);
        await File.WriteAllBytesAsync(path, torrent);
        return path;
    }

    private async Task RunAria2Async(string torrentPath, params string[] extra)
    {
        var start = new ProcessStartInfo("aria2c") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--dir=" + Path.Combine(_downloads, "out"), "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
                     "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none", "--summary-interval=0",
                     "--console-log-level=warn", "--bt-stop-timeout=90", "--check-certificate=false", "--no-conf=true",
                 }.Concat(extra).Append(torrentPath))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"aria2c exited with {process.ExitCode}: {await output}\n{await errors}");
    }

    private async Task ShouldMatchAsync(JsonElement file)
    {
        var downloaded = Directory.GetFiles(Path.Combine(_downloads, "out"), "*", SearchOption.AllDirectories)
            .Single(f => !f.EndsWith(".aria2", StringComparison.Ordinal));
        var original = Path.Combine(_server.StorageRoot, "streaming-playlists", "hls",
            new Uri(file.GetProperty("fileUrl").GetString()!).Segments[^2].TrimEnd('/'), Path.GetFileName(file.GetProperty("fileUrl").GetString()!));
        Assert.Equal(new FileInfo(original).Length, new FileInfo(downloaded).Length);
        Assert.Equal(await Sha256Async(original), await Sha256Async(downloaded));
    }

    private static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_downloads, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
