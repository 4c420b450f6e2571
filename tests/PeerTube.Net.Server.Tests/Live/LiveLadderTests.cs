using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>
/// The live ladder (Live:Transcoding) and the RTMPS ingest (Live:Rtmps): a 360p source published over TLS, to a
/// self-signed certificate made here, comes out as the 360p and 240p renditions of PeerTube's live layout.
/// </summary>
public sealed class LiveLadderTests : IAsyncLifetime
{
    private readonly string _certificates = Directory.CreateTempSubdirectory("rtmps-").FullName;
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;

    public async ValueTask InitializeAsync()
    {
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            await File.WriteAllTextAsync(Path.Combine(_certificates, "cert.pem"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(_certificates, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        }

        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Live:Transcoding:Resolutions:0"] = "240",
            ["Live:Transcoding:Resolutions:1"] = "360",
            ["Live:Rtmps:Enabled"] = "true",
            ["Live:Rtmps:Port"] = "0",
            ["Live:Rtmps:CertFile"] = Path.Combine(_certificates, "cert.pem"),
            ["Live:Rtmps:KeyFile"] = Path.Combine(_certificates, "key.pem"),
        });
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "ladder");
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_certificates, recursive: true);
    }

    [Fact]
    public async Task A_360p_live_published_over_RTMPS_plays_as_two_renditions_each_its_own_swarm()
    {
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var config = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/config");
        var transcoding = config.GetProperty("live").GetProperty("transcoding");
        Assert.True(transcoding.GetProperty("enabled").GetBoolean());
        Assert.Equal([240, 360], transcoding.GetProperty("enabledResolutions").EnumerateArray().Select(r => r.GetInt32()));

        var id = await _owner.CreateLiveAsync("Ladder live", new { latencyMode = 3 });
        var settings = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}");
        var rtmps = new Uri(settings.GetProperty("rtmpsUrl").GetString()!);
        Assert.Equal("rtmps", rtmps.Scheme);
        Assert.NotEqual(new Uri(settings.GetProperty("rtmpUrl").GetString()!).Port, rtmps.Port);
        var key = settings.GetProperty("streamKey").GetString()!;

        using var publisher = LiveTestKit.PublishTo($"rtmps://127.0.0.1:{rtmps.Port}/live/{key}", seconds: 10, size: "640x360");
        var live = await _owner.WaitForStateAsync(id, 1);
        var playlist = live.GetProperty("streamingPlaylists")[0];
        Assert.Equal(2, playlist.GetProperty("p2pMediaLoaderInfohashes").GetArrayLength());

        var master = new Uri(playlist.GetProperty("playlistUrl").GetString()!);
        var masterText = await anonymous.GetStringAsync(LiveTestKit.PathOf(master.AbsoluteUri));
        Assert.Contains("RESOLUTION=640x360", masterText);
        Assert.Contains("RESOLUTION=426x240", masterText);
        var media = Lines(masterText).ToList();
        Assert.Equal(["0.m3u8", "1.m3u8"], media.Order(StringComparer.Ordinal));

        // Each rendition's playlist gets segments, and every listed segment of both is in the one sha256 JSON.
        var shaPath = LiveTestKit.PathOf(playlist.GetProperty("segmentsSha256Url").GetString()!);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the renditions' segments never all appeared in the sha256 JSON");
            var segments = new List<string>();
            foreach (var name in media)
            {
                segments.AddRange(Lines(await anonymous.GetStringAsync(LiveTestKit.PathOf(new Uri(master, name).AbsoluteUri))));
            }

            var response = await anonymous.GetAsync(shaPath);
            var hashes = response.StatusCode == HttpStatusCode.OK
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(await response.Content.ReadAsStringAsync())!
                : [];
            if (segments.Any(s => s.Contains("-0-", StringComparison.Ordinal)) && segments.Any(s => s.Contains("-1-", StringComparison.Ordinal))
                && segments.All(hashes.ContainsKey))
            {
                var segment = segments.First(s => s.Contains("-1-", StringComparison.Ordinal));
                var bytes = await anonymous.GetByteArrayAsync(LiveTestKit.PathOf(new Uri(master, segment).AbsoluteUri));
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), hashes[segment]);
                break;
            }

            await Task.Delay(300);
        }

        var (exit, stderr) = await publisher.WaitAsync();
        Assert.True(exit == 0, stderr);
        await _owner.WaitForStateAsync(id, 5);
    }

    private static IEnumerable<string> Lines(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));
}
