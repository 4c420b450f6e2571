using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Media.Torrents.PeerWire;
using PeerTube.Net.Server.Features.Seeding;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15, "Private stays private": a video made private is neither seeded nor tracked, and its torrents get new
/// info-hashes, so a torrent or magnet kept from when it was public leads nowhere. Made public again, it is seeded and
/// tracked again under yet another info-hash.
/// </summary>
public sealed class PrivateTorrentTests : IAsyncLifetime
{
    private const int Public = 1;
    private const int Private = 3;

    /// <summary>How long the seeder may take to drop or load a torrent once told; its own poll is an hour here.</summary>
    private static readonly TimeSpan SeederReacts = TimeSpan.FromSeconds(5);

    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;

    private SeederState Seeder => _server.Services.GetRequiredService<SeederState>();

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Seeding:Port"] = "0",
            ["Seeding:ListenAddress"] = "127.0.0.1",
            // Only the catalog signals move the seeder: a change must not wait for a poll.
            ["Seeding:CatalogRefreshSeconds"] = "3600",
        });
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_video_made_private_is_neither_seeded_nor_tracked_under_its_old_or_new_info_hashes_and_public_again_it_is()
    {
        var port = await Seeder.WaitUntilListeningAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var seeder = new IPEndPoint(IPAddress.Loopback, port);
        var created = await _root.UploadVideoAsync(await TestMedia.VideoAsync(320, 180, seconds: 2), "Public, then private");
        var id = created.GetProperty("id").GetInt32();
        var publicVideo = await _root.WaitForTranscodingAsync(id);
        var publicFiles = Files(publicVideo);
        Assert.NotEmpty(publicFiles);

        // While public: our tracker hands out our seeder, which seeds every rendition.
        foreach (var file in publicFiles)
        {
            await EventuallyAsync(async () => (await AnnounceAsync(file.InfoHash)).Peers.Contains(seeder), $"the tracker to hand out the seeder for {file.InfoHash}");
            Assert.True(await SeederServesAsync(port, file.InfoHash), $"the seeder should serve {file.InfoHash} while the video is public");
        }

        await SetPrivacyAsync(id, Private);
        var privateVideo = await WaitForNewInfoHashesAsync(id, publicFiles);
        var privateFiles = Files(privateVideo);

        // (d) New info-hashes, the old torrent files gone, no web seed, and the salt is what changed the hash.
        Assert.Empty(privateFiles.Select(f => f.InfoHash).Intersect(publicFiles.Select(f => f.InfoHash)));
        foreach (var old in publicFiles)
        {
            Assert.False(File.Exists(_server.StoragePath("torrents", old.TorrentFile)), $"the old torrent {old.TorrentFile} should be deleted");
            Assert.Equal(HttpStatusCode.NotFound, (await _root.Http.GetAsync(old.TorrentUrl)).StatusCode);
        }

        foreach (var file in privateFiles)
        {
            var metainfo = TorrentParser.Parse(await File.ReadAllBytesAsync(_server.StoragePath("torrents", file.TorrentFile)));
            Assert.Equal(file.InfoHash, metainfo.InfoHashHex);
            Assert.Empty(metainfo.WebSeeds);
            Assert.Matches("^[0-9a-f]{32}$", metainfo.Salt);
        }

        // (a) and (b): the tracker hands out nobody for the old info-hashes nor for the private video's new ones,
        // (c) and the seeder refuses handshakes for both.
        foreach (var hash in publicFiles.Concat(privateFiles).Select(f => f.InfoHash))
        {
            var answer = await AnnounceAsync(hash);
            Assert.True(answer.Failure is not null, $"an announce for {hash} of the private video should fail, not list {answer.Peers.Count} peers");
            Assert.Empty(answer.Peers);
            await EventuallyAsync(async () => !await SeederServesAsync(port, hash), $"the seeder to refuse a handshake for {hash}", SeederReacts);
        }

        Assert.DoesNotContain(Seeder.Torrents, t => publicFiles.Concat(privateFiles).Any(f => f.InfoHash == t.InfoHashHex));

        // Public again: yet another info-hash, seeded and tracked; the first public one stays dead.
        await SetPrivacyAsync(id, Public);
        var againVideo = await WaitForNewInfoHashesAsync(id, privateFiles);
        var againFiles = Files(againVideo);
        Assert.Empty(againFiles.Select(f => f.InfoHash).Intersect(publicFiles.Concat(privateFiles).Select(f => f.InfoHash)));
        foreach (var file in againFiles)
        {
            var metainfo = TorrentParser.Parse(await File.ReadAllBytesAsync(_server.StoragePath("torrents", file.TorrentFile)));
            Assert.NotEmpty(metainfo.WebSeeds);
            await EventuallyAsync(async () => (await AnnounceAsync(file.InfoHash)).Peers.Contains(seeder),
                $"the tracker to hand out the seeder for {file.InfoHash} once public again", SeederReacts);
            Assert.True(await SeederServesAsync(port, file.InfoHash), $"the seeder should serve {file.InfoHash} once public again");
        }

        foreach (var hash in publicFiles.Concat(privateFiles).Select(f => f.InfoHash))
        {
            Assert.NotNull((await AnnounceAsync(hash)).Failure);
            Assert.False(await SeederServesAsync(port, hash), $"the seeder should still refuse {hash}");
        }
    }

    private sealed record RenditionTorrent(string InfoHash, string TorrentUrl)
    {
        public string TorrentFile => Path.GetFileName(new Uri(TorrentUrl).AbsolutePath);
    }

    /// <summary>Every rendition's torrent the API lists, web videos and HLS.</summary>
    private static List<RenditionTorrent> Files(JsonElement video)
    {
        var files = video.GetProperty("files").EnumerateArray()
            .Concat(video.GetProperty("streamingPlaylists").EnumerateArray().SelectMany(p => p.GetProperty("files").EnumerateArray()));
        return files.Where(f => f.TryGetProperty("infoHash", out var h) && h.ValueKind == JsonValueKind.String)
            .Select(f => new RenditionTorrent(f.GetProperty("infoHash").GetString()!, f.GetProperty("torrentUrl").GetString()!))
            .DistinctBy(f => f.InfoHash)
            .ToList();
    }

    private async Task SetPrivacyAsync(int id, int privacy)
    {
        var response = await _root.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy });
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }

    /// <summary>Waits until the CreateTorrentsJob queued by the privacy change has replaced every torrent.</summary>
    private async Task<JsonElement> WaitForNewInfoHashesAsync(int id, IReadOnlyList<RenditionTorrent> before)
    {
        JsonElement video = default;
        await EventuallyAsync(async () =>
        {
            video = await _root.GetVideoAsync(id);
            var now = Files(video);
            return now.Count == before.Count && !now.Any(f => before.Any(b => b.InfoHash == f.InfoHash));
        }, "the torrents to be replaced after the privacy change");
        return video;
    }

    private sealed record AnnounceAnswer(string? Failure, IReadOnlyList<IPEndPoint> Peers);

    /// <summary>An HTTP announce by a fresh leecher (from loopback, which the tracker never blocks).</summary>
    private async Task<AnnounceAnswer> AnnounceAsync(string infoHashHex)
    {
        var url = $"/tracker/announce?info_hash={Escape(Convert.FromHexString(infoHashHex))}&peer_id={Escape(RandomNumberGenerator.GetBytes(20))}"
                  + "&port=6881&uploaded=0&downloaded=0&left=1000&compact=1&event=started";
        var response = Assert.IsType<BDictionary>(Bencode.Decode(await _root.Http.GetByteArrayAsync(url)));
        var peers = new List<IPEndPoint>();
        if (response["peers"] is BString compact)
        {
            for (var i = 0; i + 6 <= compact.Length; i += 6)
            {
                var entry = compact.Bytes.Span.Slice(i, 6);
                peers.Add(new IPEndPoint(new IPAddress(entry[..4]), BinaryPrimitives.ReadUInt16BigEndian(entry[4..])));
            }
        }

        return new AnnounceAnswer((response["failure reason"] as BString)?.Text, peers);
    }

    /// <summary>True when the seeder answers our handshake for the info-hash; false when it hangs up instead.</summary>
    private static async Task<bool> SeederServesAsync(int port, string infoHashHex)
    {
        await using var peer = await SeederTestPeer.ConnectAsync(port);
        try
        {
            var answer = await peer.HandshakeAsync(Convert.FromHexString(infoHashHex), PeerExtensions.None, TimeSpan.FromSeconds(2));
            return answer.InfoHash.AsSpan().SequenceEqual(Convert.FromHexString(infoHashHex));
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return false;
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> probe, string what, TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within ?? TimeSpan.FromSeconds(60));
        while (!await probe())
        {
            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
        }
    }

    private static string Escape(byte[] bytes) => string.Concat(bytes.Select(b => $"%{b:X2}"));
}
