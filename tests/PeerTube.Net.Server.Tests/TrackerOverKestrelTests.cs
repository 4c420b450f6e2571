using System.Net;
using System.Net.WebSockets;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Tests.Infrastructure;
using static PeerTube.Net.Server.Tests.WebTorrentClient;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The tracker on a real Kestrel, as outside clients reach it: raw bytes in the query string, and WebSocket upgrades
/// (the in-memory test server supplies WebSockets itself, Kestrel needs the middleware). Public mode: any info-hash.
/// </summary>
public sealed class TrackerOverKestrelTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Tracker:Private"] = "false" });

    [Fact]
    public async Task Http_and_websocket_peers_are_tracked_over_a_real_socket()
    {
        await _server.StartAsync();
        byte[] torrent = [0x00, 0x80, 0xFF, (byte)'+', (byte)'%', (byte)'&', (byte)'=', .. Enumerable.Range(0, 13).Select(i => (byte)(0xC0 + i))];

        using var http = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        async Task<BDictionary> Announce(string peer, int port) => Assert.IsType<BDictionary>(Bencode.Decode(await http.GetByteArrayAsync(
            $"/tracker/announce?info_hash={TrackerServer.Escape(torrent)}&peer_id={TrackerServer.Escape(TrackerServer.PeerId(peer))}"
            + $"&port={port}&left=10&compact=1")));
        Assert.Null((await Announce("first", 6001))["failure reason"]);
        var second = await Announce("second", 6002);
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 6001)], TrackerServer.Compact(second["peers"], 4));

        using var alice = new WebTorrentClient(await ConnectAsync());
        using var bob = new WebTorrentClient(await ConnectAsync());
        await alice.AnnounceAsync(torrent, TrackerServer.PeerId("alice"));
        var joined = await alice.ReceiveMessageAsync();
        Assert.Equal(torrent, Bytes(joined.GetProperty("info_hash")));
        Assert.Equal(3, joined.GetProperty("incomplete").GetInt32()); // counts span both kinds of peer; offers go to WebRTC peers only

        await bob.AnnounceAsync(torrent, TrackerServer.PeerId("bob"), [new { offer = new { type = "offer", sdp = "v=0" }, offer_id = "bob-1" }]);
        Assert.Equal("announce", (await bob.ReceiveMessageAsync()).GetProperty("action").GetString());
        var offer = await alice.ReceiveMessageAsync();
        Assert.Equal("bob-1", offer.GetProperty("offer_id").GetString());
        Assert.Equal(TrackerServer.PeerId("bob"), Bytes(offer.GetProperty("peer_id")));
    }

    private async Task<WebSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_server.Port}/tracker/socket"), TestContext.Current.CancellationToken);
        return socket;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();
}
