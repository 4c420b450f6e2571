using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;
using static PeerTube.Net.Server.Tests.WebTorrentClient;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The WebTorrent tracker at /tracker/socket, spoken as bittorrent-tracker's browser client (and PeerTube's player) speaks it:
/// offers go to other peers of the swarm, answers come back to the offerer.
/// </summary>
public sealed class TrackerWebSocketTests(WebSocketTrackerFixture fixture) : IClassFixture<WebSocketTrackerFixture>
{
    private readonly TrackerServer _server = fixture.Server;

    [Fact]
    public async Task An_offer_reaches_the_other_peer_and_its_answer_comes_back()
    {
        var torrent = _server.Known[0];
        var (aliceId, bobId) = (TrackerServer.PeerId("alice"), TrackerServer.PeerId("bob"));
        using var alice = await _server.ConnectAsync(IPAddress.Parse("10.20.0.1"));
        using var bob = await _server.ConnectAsync(IPAddress.Parse("10.20.0.2"));

        await alice.AnnounceAsync(torrent, aliceId, [Offer("alice-offer-1"), Offer("alice-offer-2")]);
        var aliceJoined = await alice.ReceiveMessageAsync();
        Assert.Equal("announce", aliceJoined.GetProperty("action").GetString());
        Assert.Equal(torrent, Bytes(aliceJoined.GetProperty("info_hash")));
        Assert.Equal(120, aliceJoined.GetProperty("interval").GetInt32());
        Assert.Equal(1, aliceJoined.GetProperty("incomplete").GetInt32());

        await bob.AnnounceAsync(torrent, bobId, [Offer("bob-offer-1")], left: 0);
        var bobJoined = await bob.ReceiveMessageAsync();
        Assert.Equal(1, bobJoined.GetProperty("complete").GetInt32());
        Assert.Equal(1, bobJoined.GetProperty("incomplete").GetInt32());

        var offer = await alice.ReceiveMessageAsync();
        Assert.Equal("announce", offer.GetProperty("action").GetString());
        Assert.Equal("bob-offer-1", offer.GetProperty("offer_id").GetString());
        Assert.Equal("v=0 bob-offer-1", offer.GetProperty("offer").GetProperty("sdp").GetString());
        Assert.Equal(bobId, Bytes(offer.GetProperty("peer_id")));
        Assert.Equal(torrent, Bytes(offer.GetProperty("info_hash")));

        await alice.SendAsync(new Dictionary<string, object?>
        {
            ["action"] = "announce",
            ["info_hash"] = Binary(torrent),
            ["peer_id"] = Binary(aliceId),
            ["to_peer_id"] = Binary(bobId),
            ["answer"] = new { type = "answer", sdp = "v=0 alice-answer" },
            ["offer_id"] = "bob-offer-1",
        });
        Assert.Equal(torrent, Bytes((await alice.ReceiveMessageAsync()).GetProperty("info_hash")));

        var answer = await bob.ReceiveMessageAsync();
        Assert.Equal("announce", answer.GetProperty("action").GetString());
        Assert.Equal("v=0 alice-answer", answer.GetProperty("answer").GetProperty("sdp").GetString());
        Assert.Equal("bob-offer-1", answer.GetProperty("offer_id").GetString());
        Assert.Equal(aliceId, Bytes(answer.GetProperty("peer_id")));
    }

    [Fact]
    public async Task A_closed_socket_leaves_every_swarm_it_joined()
    {
        var torrent = _server.Known[1];
        using var alice = await _server.ConnectAsync(IPAddress.Parse("10.21.0.1"));
        using (var bob = await _server.ConnectAsync(IPAddress.Parse("10.21.0.2")))
        {
            await bob.AnnounceAsync(torrent, TrackerServer.PeerId("bob"));
            Assert.Equal(1, (await bob.ReceiveMessageAsync()).GetProperty("incomplete").GetInt32());
            await alice.AnnounceAsync(torrent, TrackerServer.PeerId("alice"));
            Assert.Equal(2, (await alice.ReceiveMessageAsync()).GetProperty("incomplete").GetInt32());
            await bob.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", TestContext.Current.CancellationToken);
        }

        // The server notices the close on its own loop; ask until it has.
        var incomplete = -1;
        for (var attempt = 0; attempt < 50 && incomplete != 1; attempt++)
        {
            await alice.SendAsync(new { action = "scrape", info_hash = Binary(torrent) });
            var scrape = await alice.ReceiveMessageAsync();
            Assert.Equal("scrape", scrape.GetProperty("action").GetString());
            incomplete = scrape.GetProperty("files").GetProperty(Binary(torrent)).GetProperty("incomplete").GetInt32();
            await Task.Delay(50);
        }

        Assert.Equal(1, incomplete);

        // A newcomer's offer can only go to alice.
        using var carol = await _server.ConnectAsync(IPAddress.Parse("10.21.0.3"));
        await carol.AnnounceAsync(torrent, TrackerServer.PeerId("carol"), [Offer("carol-1"), Offer("carol-2")]);
        Assert.Equal(2, (await carol.ReceiveMessageAsync()).GetProperty("incomplete").GetInt32());
        Assert.Equal("carol-1", (await alice.ReceiveMessageAsync()).GetProperty("offer_id").GetString());
    }

    [Fact]
    public async Task An_unknown_info_hash_ends_the_connection_and_the_ip_may_not_reconnect_for_a_while()
    {
        var stranger = IPAddress.Parse("10.22.0.1");
        var unknown = Enumerable.Repeat((byte)0xEE, 20).ToArray();
        using (var client = await _server.ConnectAsync(stranger))
        {
            await client.AnnounceAsync(unknown, TrackerServer.PeerId("pirate"));
            var failure = await client.ReceiveMessageAsync();
            Assert.Equal("announce", failure.GetProperty("action").GetString());
            Assert.StartsWith("Unknown infoHash " + Convert.ToHexStringLower(unknown), failure.GetProperty("failure reason").GetString());
            Assert.Equal(unknown, Bytes(failure.GetProperty("info_hash")));
            Assert.Null(await client.ReceiveAsync());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
        }

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => _server.ConnectAsync(stranger));
        Assert.Contains("403", refused.Message);

        _server.Clock.Advance(TimeSpan.FromSeconds(181));
        using var again = await _server.ConnectAsync(stranger);
        await again.AnnounceAsync(_server.Known[2], TrackerServer.PeerId("reformed"));
        Assert.Equal(1, (await again.ReceiveMessageAsync()).GetProperty("incomplete").GetInt32());
    }

    [Fact]
    public async Task Bad_messages_get_a_failure_reason_and_the_socket_stays_usable()
    {
        var torrent = _server.Known[3];
        using var client = await _server.ConnectAsync(IPAddress.Parse("10.23.0.1"));

        await client.SendRawAsync("{not json"u8.ToArray());
        Assert.Equal("Invalid JSON.", (await client.ReceiveMessageAsync()).GetProperty("failure reason").GetString());
        await client.SendAsync(new { action = "announce", info_hash = "too short", peer_id = Binary(TrackerServer.PeerId("x")) });
        Assert.Equal("invalid info_hash", (await client.ReceiveMessageAsync()).GetProperty("failure reason").GetString());
        await client.SendAsync(new { action = "announce", info_hash = Binary(torrent), peer_id = new string('\u4e00', 20) });
        Assert.Equal("invalid peer_id", (await client.ReceiveMessageAsync()).GetProperty("failure reason").GetString());
        await client.SendAsync(new { action = "announce", info_hash = Binary(torrent), peer_id = Binary(TrackerServer.PeerId("x")), answer = new { } });
        Assert.Contains("to_peer_id", (await client.ReceiveMessageAsync()).GetProperty("failure reason").GetString());
        await client.SendAsync(new { action = "dance" });
        Assert.Contains("invalid action", (await client.ReceiveMessageAsync()).GetProperty("failure reason").GetString());

        await client.AnnounceAsync(torrent, TrackerServer.PeerId("x"));
        var joined = await client.ReceiveMessageAsync();
        Assert.False(joined.TryGetProperty("failure reason", out _));
        Assert.Equal(1, joined.GetProperty("incomplete").GetInt32());
    }

    [Fact]
    public async Task An_oversized_message_or_a_flood_closes_the_socket()
    {
        using (var big = await _server.ConnectAsync(IPAddress.Parse("10.24.0.1")))
        {
            await big.SendAsync(new { action = "announce", padding = new string('x', 10_000) });
            Assert.Null(await big.ReceiveAsync());
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, big.Socket.CloseStatus);
        }

        using var flood = await _server.ConnectAsync(IPAddress.Parse("10.24.0.2"));
        _server.Clock.AdvanceToNextMinute();
        for (var i = 0; i < 20; i++)
        {
            await flood.SendAsync(new { action = "scrape", info_hash = Binary(_server.Known[4]) });
            Assert.Equal("scrape", (await flood.ReceiveMessageAsync()).GetProperty("action").GetString());
        }

        await flood.SendAsync(new { action = "scrape", info_hash = Binary(_server.Known[4]) });
        Assert.Contains("Too many", (await flood.ReceiveMessageAsync()).GetProperty("failure reason").GetString());
        Assert.Null(await flood.ReceiveAsync());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, flood.Socket.CloseStatus);
    }

    [Fact]
    public async Task Admin_statistics_count_webrtc_peers_and_open_sockets()
    {
        using var viewer = await _server.ConnectAsync(IPAddress.Parse("10.25.0.1"));
        await viewer.AnnounceAsync(_server.Known[5], TrackerServer.PeerId("viewer"));
        await viewer.ReceiveMessageAsync();

        using var root = await PeerTubeClient.LoginAsRootAsync(_server.Server);
        using var admin = _server.ClientFor(root);
        var stats = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/tracker/stats");
        Assert.True(stats.GetProperty("openSockets").GetInt32() >= 1);
        Assert.True(stats.GetProperty("peers").GetProperty("webSocket").GetInt32() >= 1);
    }

    private static object Offer(string id) => new { offer = new { type = "offer", sdp = "v=0 " + id }, offer_id = id };
}
