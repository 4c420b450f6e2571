using System.Net;
using PeerTube.Net.Server.Features.Tracker;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: one client cannot hold the WebSocket tracker's memory: open sockets per IP are capped, the bytes queued
/// for a client that does not read are bounded (it is closed), and one socket has a bounded number of peer ids per swarm.
/// </summary>
public sealed class TrackerSocketLimitsTests(TrackerSocketLimitsFixture fixture) : IClassFixture<TrackerSocketLimitsFixture>
{
    private readonly TrackerServer _server = fixture.Server;

    [Fact]
    public async Task One_IP_cannot_open_more_sockets_than_the_cap()
    {
        var ip = IPAddress.Parse("10.60.0.1");
        using var first = await _server.ConnectAsync(ip);
        using var second = await _server.ConnectAsync(ip);
        await Assert.ThrowsAnyAsync<Exception>(() => _server.ConnectAsync(ip));

        // Another IP is not affected, and a closed socket frees its place.
        using var other = await _server.ConnectAsync(IPAddress.Parse("10.60.0.2"));
        await first.Socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", TestContext.Current.CancellationToken);
        var tracker = _server.Service<WebSocketTracker>();
        for (var attempt = 0; attempt < 100 && tracker.OpenSocketsOf(ip) > 1; attempt++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        using var third = await _server.ConnectAsync(ip);
    }

    [Fact]
    public async Task One_socket_cannot_announce_more_peer_ids_than_the_cap_in_one_swarm()
    {
        var torrent = _server.Known[0];
        using var client = await _server.ConnectAsync(IPAddress.Parse("10.61.0.1"));
        for (var i = 0; i < 2; i++)
        {
            await client.AnnounceAsync(torrent, TrackerServer.PeerId($"sybil{i}"));
            Assert.False((await client.ReceiveMessageAsync()).TryGetProperty("failure reason", out _));
        }

        await client.AnnounceAsync(torrent, TrackerServer.PeerId("sybil2"));
        var refused = await client.ReceiveMessageAsync();
        Assert.Contains("peer ids", refused.GetProperty("failure reason").GetString(), StringComparison.Ordinal);

        // The swarm holds two of them, not three.
        using var observer = await _server.ConnectAsync(IPAddress.Parse("10.61.0.2"));
        await observer.AnnounceAsync(torrent, TrackerServer.PeerId("observer"));
        var joined = await observer.ReceiveMessageAsync();
        Assert.Equal(3, joined.GetProperty("incomplete").GetInt32());
    }

    [Fact]
    public void A_client_that_does_not_read_is_closed_once_its_queue_passes_the_byte_budget()
    {
        var closed = false;
        var socket = new TrackerSocket(IPAddress.Loopback, maxQueuedBytes: 1000, onOverflow: () => closed = true);

        Assert.True(socket.Send(new byte[600]));
        Assert.Equal(600, socket.QueuedBytes);
        Assert.False(socket.Send(new byte[600]));

        Assert.True(closed);
        Assert.False(socket.IsOpen);
        Assert.False(socket.Send(new byte[10]));
    }
}

public sealed class TrackerSocketLimitsFixture() : TrackerFixture(new Dictionary<string, string?>
{
    ["Tracker:MaxSocketsPerIp"] = "2",
    ["Tracker:MaxPeerIdsPerSocketPerSwarm"] = "2",
});
