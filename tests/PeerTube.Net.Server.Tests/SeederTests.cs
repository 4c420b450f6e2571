using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Media.Torrents.PeerWire;
using PeerTube.Net.Server.Features.Seeding;
using PeerTube.Net.Server.Features.Torrents;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>One server for the class, with one published video whose renditions the seeder serves.</summary>
public sealed class SeederFixture : IAsyncLifetime
{
    public const int MaxRequestsPerSecond = 300;
    public const int IdleTimeoutSeconds = 2;

    public ServerApplication Server { get; private set; } = null!;
    public PeerTubeClient Root { get; private set; } = null!;
    public int Port { get; private set; }
    public SeedableTorrent Rendition { get; private set; } = null!;
    public TorrentMetainfo Metainfo { get; private set; } = null!;

    public SeederState State => Server.Services.GetRequiredService<SeederState>();

    public async ValueTask InitializeAsync()
    {
        Server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Seeding:Port"] = "0",
            ["Seeding:ListenAddress"] = "127.0.0.1",
            ["Seeding:CatalogRefreshSeconds"] = "1",
            ["Seeding:IdleTimeoutSeconds"] = IdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Seeding:MaxRequestsPerSecond"] = MaxRequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Root = await PeerTubeClient.LoginAsRootAsync(Server);
        var created = await Root.UploadVideoAsync(await TestMedia.VideoAsync(320, 180, seconds: 2), "Seeded video");
        await Root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());

        // The rendition with the most pieces, as the transcoding job published it.
        var catalog = await Server.Services.GetRequiredService<ITorrentCatalog>().ListAsync(CancellationToken.None);
        Rendition = catalog.OrderByDescending(t => new FileInfo(t.FilePath).Length).First();
        Metainfo = TorrentParser.Parse(await File.ReadAllBytesAsync(Rendition.TorrentPath));
        Port = await State.WaitUntilListeningAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // The catalog is read every second here; peers are turned away until the torrent is loaded.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!State.TryGet(Metainfo.InfoHashHex, out _))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Root.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The built-in seeder, from the outside: a raw TCP peer downloads a published rendition, and peers that break the
/// protocol are dropped without disturbing anyone else.
/// </summary>
public sealed class SeederTests(SeederFixture fixture) : IClassFixture<SeederFixture>
{
    private const int MaxRequestsPerSecond = SeederFixture.MaxRequestsPerSecond;
    private const int IdleTimeoutSeconds = SeederFixture.IdleTimeoutSeconds;

    /// <summary>Well inside the idle timeout: a peer dropped this fast was dropped for what it did, not for going quiet.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(1);

    private ServerApplication Server => fixture.Server;
    private PeerTubeClient Root => fixture.Root;
    private int Port => fixture.Port;
    private SeedableTorrent Rendition => fixture.Rendition;
    private TorrentMetainfo Metainfo => fixture.Metainfo;
    private SeederState State => fixture.State;

    [Fact]
    public async Task A_peer_downloads_a_published_rendition_and_every_piece_matches_its_hash()
    {
        Assert.True(Metainfo.PieceCount > 2, $"the rendition should span several pieces, not {Metainfo.PieceCount}");
        await using var peer = await SeederTestPeer.ConnectAsync(Port);

        var answer = await peer.HandshakeAsync(Metainfo.InfoHash);
        Assert.Equal(Metainfo.InfoHash, answer.InfoHash);
        Assert.StartsWith(SeederState.PeerIdPrefix, Encoding.ASCII.GetString(answer.PeerId));
        Assert.True(answer.SupportsFast);

        // Without the fast extension: a full bitfield, spare bits zero (the reader checks both against the piece count).
        peer.Reader.PieceCount = Metainfo.PieceCount;
        var bitfield = await peer.ReadMeaningfulAsync();
        Assert.Equal(PeerMessageType.Bitfield, bitfield.Type);
        Assert.Equal(Bitfield.All(Metainfo.PieceCount), bitfield.Payload.ToArray());

        await peer.SendAsync(PeerMessageType.Interested);
        Assert.Equal(PeerMessageType.Unchoke, (await peer.ReadMeaningfulAsync()).Type);

        // Odd block sizes, so blocks start mid-piece and the last one of each piece is short; all pipelined at once.
        const int blockLength = 5000;
        var file = new byte[Metainfo.Length];
        var expected = new HashSet<(int, int)>();
        for (var index = 0; index < Metainfo.PieceCount; index++)
        {
            var size = (int)Metainfo.PieceSize(index);
            for (var begin = 0; begin < size; begin += blockLength)
            {
                await peer.RequestAsync(index, begin, Math.Min(blockLength, size - begin));
                expected.Add((index, begin));
            }
        }

        while (expected.Count > 0)
        {
            var piece = await peer.ReadMeaningfulAsync();
            Assert.Equal(PeerMessageType.Piece, piece.Type);
            Assert.True(expected.Remove((piece.Index, piece.Begin)), $"unexpected block {piece}");
            piece.Payload.Span.CopyTo(file.AsSpan((int)Metainfo.PieceOffset(piece.Index) + piece.Begin));
        }

        for (var index = 0; index < Metainfo.PieceCount; index++)
        {
            var bytes = file.AsSpan((int)Metainfo.PieceOffset(index), (int)Metainfo.PieceSize(index));
            Assert.Equal(Metainfo.PieceHashes[index], SHA1.HashData(bytes));
        }

        Assert.Equal(await File.ReadAllBytesAsync(Rendition.FilePath), file);
        var seeded = State.Torrents.Single(t => t.InfoHashHex == Metainfo.InfoHashHex);
        Assert.True(seeded.BytesUploaded >= Metainfo.Length, $"{seeded.BytesUploaded} bytes counted for a {Metainfo.Length}-byte file");
        Assert.True(seeded.Peers >= 1, "the peer should be counted while connected");
    }

    [Fact]
    public async Task Our_tracker_hands_out_the_seeder_to_a_client_that_announces()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var expected = new IPEndPoint(IPAddress.Loopback, Port);
        IReadOnlyList<IPEndPoint> peers;
        do
        {
            peers = await AnnounceToTrackerAsync(Metainfo.InfoHash);
            if (!peers.Contains(expected))
            {
                await Task.Delay(200, timeout.Token);
            }
        }
        while (!peers.Contains(expected));

        Assert.Contains(expected, peers);
        Assert.Equal(expected, State.AnnouncedEndpoint);
    }

    [Fact]
    public async Task With_the_fast_extension_the_seeder_says_have_all_and_rejects_what_it_will_not_serve()
    {
        await using var peer = await SeederTestPeer.ConnectAsync(Port);
        await peer.HandshakeAsync(Metainfo.InfoHash, PeerExtensions.Fast);
        peer.Reader.PieceCount = Metainfo.PieceCount;
        Assert.Equal(PeerMessageType.HaveAll, (await peer.ReadMeaningfulAsync()).Type);

        // Choked: the request is rejected, not silently dropped.
        await peer.RequestAsync(0, 0, 16384);
        var rejected = await peer.ReadMeaningfulAsync();
        Assert.Equal((PeerMessageType.RejectRequest, 0, 0, 16384), (rejected.Type, rejected.Index, rejected.Begin, rejected.Length));

        await peer.SendAsync(PeerMessageType.Interested);
        Assert.Equal(PeerMessageType.Unchoke, (await peer.ReadMeaningfulAsync()).Type);
        await peer.RequestAsync(1, 100, 1000);
        var piece = await peer.ReadMeaningfulAsync();
        Assert.Equal((PeerMessageType.Piece, 1, 100, 1000), (piece.Type, piece.Index, piece.Begin, piece.Length));
        var media = await File.ReadAllBytesAsync(Rendition.FilePath);
        Assert.Equal(media.AsSpan((int)Metainfo.PieceOffset(1) + 100, 1000).ToArray(), piece.Payload.ToArray());

        // A cancelled request is answered either way BEP 6 allows: the block already on its way, or a reject.
        await peer.RequestAsync(2, 0, 16384);
        await peer.SendBlockAsync(PeerMessageType.Cancel, 2, 0, 16384);
        var answer = await peer.ReadMeaningfulAsync();
        Assert.Contains(answer.Type, new[] { PeerMessageType.Piece, PeerMessageType.RejectRequest });
        Assert.Equal((2, 0), (answer.Index, answer.Begin));

        // Not interested: choked again.
        await peer.SendAsync(PeerMessageType.NotInterested);
        Assert.Equal(PeerMessageType.Choke, (await peer.ReadMeaningfulAsync()).Type);
    }

    [Fact]
    public async Task Garbage_and_unknown_info_hashes_are_refused_and_the_seeder_keeps_serving()
    {
        await using (var http = await SeederTestPeer.ConnectAsync(Port))
        {
            await http.SendAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());
            Assert.True(await http.IsClosedBySeederAsync(AtOnce), "an HTTP request is not a handshake");
        }

        await using (var wrongProtocol = await SeederTestPeer.ConnectAsync(Port))
        {
            var handshake = new PeerHandshake(Metainfo.InfoHash, new byte[20]).ToArray();
            handshake[5] ^= 0x20; // "BitTorrent protocol" with one letter's case flipped
            await wrongProtocol.SendAsync(handshake);
            Assert.True(await wrongProtocol.IsClosedBySeederAsync(AtOnce), "a wrong protocol name is not a handshake");
        }

        await using (var stranger = await SeederTestPeer.ConnectAsync(Port))
        {
            var unknown = RandomNumberGenerator.GetBytes(20);
            await Assert.ThrowsAsync<EndOfStreamException>(() => stranger.HandshakeAsync(unknown, within: AtOnce));
        }

        await using var good = await SeederTestPeer.ConnectAsync(Port);
        await good.HandshakeAsync(Metainfo.InfoHash);
        Assert.Equal(PeerMessageType.Bitfield, (await good.ReadMeaningfulAsync()).Type);
    }

    [Fact]
    public async Task A_request_outside_the_torrent_or_for_too_big_a_block_gets_the_peer_dropped()
    {
        var last = Metainfo.PieceCount - 1;
        var lastSize = (int)Metainfo.PieceSize(last);
        (int Index, int Begin, int Length, string Why)[] bad =
        [
            (Metainfo.PieceCount, 0, 16384, "a piece past the end"),
            (last, lastSize - 10, 11, "a block running past the last piece"),
            (0, Metainfo.PieceLength, 1, "a block starting past its piece"),
            (0, 0, 32 * 1024, "a 32 KiB block"),
            (0, 0, 0, "an empty block"),
        ];
        foreach (var (index, begin, length, why) in bad)
        {
            await using var peer = await UnchokedPeerAsync();
            await peer.RequestAsync(index, begin, length);
            Assert.True(await peer.IsClosedBySeederAsync(AtOnce), $"{why} should end the connection");
        }

        // Nobody else was affected.
        await using var honest = await UnchokedPeerAsync();
        await honest.RequestAsync(last, 0, lastSize);
        var piece = await honest.ReadMeaningfulAsync();
        Assert.Equal((PeerMessageType.Piece, last, lastSize), (piece.Type, piece.Index, piece.Length));
    }

    [Fact]
    public async Task A_peer_flooding_messages_is_dropped()
    {
        await using var peer = await UnchokedPeerAsync();

        // Twice the per-second allowance in one burst.
        await peer.SendAsync(new byte[4 * 2 * MaxRequestsPerSecond]);

        Assert.True(await peer.IsClosedBySeederAsync(AtOnce), "a flood should end the connection");
    }

    [Fact]
    public async Task A_silent_peer_is_dropped_after_the_idle_timeout()
    {
        await using var peer = await SeederTestPeer.ConnectAsync(Port);
        var started = TimeProvider.System.GetTimestamp();

        Assert.True(await peer.IsClosedBySeederAsync(TimeSpan.FromSeconds(IdleTimeoutSeconds + 4)), "a silent peer should be dropped");
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(IdleTimeoutSeconds - 0.5),
            "dropped before the idle timeout");
    }

    [Fact]
    public async Task Admins_see_each_torrent_its_peers_and_the_bytes_uploaded()
    {
        await using (var peer = await UnchokedPeerAsync())
        {
            await peer.RequestAsync(0, 0, 16384);
            Assert.Equal(PeerMessageType.Piece, (await peer.ReadMeaningfulAsync()).Type);

            var stats = await Root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/seeder/stats");
            Assert.True(stats.GetProperty("listening").GetBoolean());
            Assert.Equal(Port, stats.GetProperty("port").GetInt32());
            var torrent = stats.GetProperty("torrents").EnumerateArray().Single(t => t.GetProperty("infoHash").GetString() == Metainfo.InfoHashHex);
            Assert.Equal(Metainfo.Name, torrent.GetProperty("name").GetString());
            Assert.Equal(Path.GetFileName(Rendition.FilePath), torrent.GetProperty("fileName").GetString());
            Assert.True(torrent.GetProperty("peers").GetInt32() >= 1);
            Assert.True(torrent.GetProperty("bytesUploaded").GetInt64() >= 16384);
            Assert.True(stats.GetProperty("totals").GetProperty("bytesUploaded").GetInt64() >= 16384);
            Assert.True(stats.GetProperty("totals").GetProperty("torrents").GetInt32() >= 1);
        }

        using var user = await Root.CreateUserAndLoginAsync(Server, "not_an_admin");
        await (await user.Http.GetAsync("/api/v1/admin/seeder/stats")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        using var anonymous = PeerTubeClient.Anonymous(Server);
        await (await anonymous.Http.GetAsync("/api/v1/admin/seeder/stats")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<SeederTestPeer> UnchokedPeerAsync()
    {
        var peer = await SeederTestPeer.ConnectAsync(Port);
        await peer.HandshakeAsync(Metainfo.InfoHash);
        Assert.Equal(PeerMessageType.Bitfield, (await peer.ReadMeaningfulAsync()).Type);
        await peer.SendAsync(PeerMessageType.Interested);
        Assert.Equal(PeerMessageType.Unchoke, (await peer.ReadMeaningfulAsync()).Type);
        return peer;
    }

    /// <summary>An HTTP announce as a leecher, the way a desktop client does; returns the compact IPv4 peers.</summary>
    private async Task<IReadOnlyList<IPEndPoint>> AnnounceToTrackerAsync(byte[] infoHash)
    {
        var peerId = RandomNumberGenerator.GetBytes(20);
        var url = $"/tracker/announce?info_hash={Escape(infoHash)}&peer_id={Escape(peerId)}&port=6881&uploaded=0&downloaded=0"
            + $"&left={Metainfo.Length}&compact=1&event=started";
        var response = (BDictionary)Bencode.Decode(await Root.Http.GetByteArrayAsync(url));
        Assert.Null(response["failure reason"]);
        var compact = ((BString)response["peers"]!).Bytes;
        var peers = new List<IPEndPoint>();
        for (var i = 0; i + 6 <= compact.Length; i += 6)
        {
            var entry = compact.Span.Slice(i, 6);
            peers.Add(new IPEndPoint(new IPAddress(entry[..4]), BinaryPrimitives.ReadUInt16BigEndian(entry[4..])));
        }

        return peers;
    }

    private static string Escape(byte[] bytes) => string.Concat(bytes.Select(b => $"%{b:X2}"));
}
