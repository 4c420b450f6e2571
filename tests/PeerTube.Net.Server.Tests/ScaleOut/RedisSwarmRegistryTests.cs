using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Peers;
using PeerTube.Net.Server.Features.Tracker;
using PeerTube.Net.Server.Infrastructure.Redis;
using PeerTube.Net.Server.Tests.Infrastructure;
using StackExchange.Redis;

namespace PeerTube.Net.Server.Tests.ScaleOut;

/// <summary>
/// The swarm hub's Redis registry against a real redis-server. Two registry instances on one Redis stand for two nodes;
/// a shifted clock stands in for time passing, so that expiry needs no waiting.
/// </summary>
public sealed class RedisSwarmRegistryTests : IAsyncLifetime
{
    private readonly string _prefix = TestRedis.NewPrefix();
    private readonly ShiftedClock _clock = new();
    private ConnectionMultiplexer _redis = null!;

    public async ValueTask InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(TestRedis.Configuration);

    public async ValueTask DisposeAsync()
    {
        var server = _redis.GetServers()[0];
        var keys = server.KeysAsync(pattern: _prefix + ":*");
        await foreach (var key in keys)
        {
            await _redis.GetDatabase().KeyDeleteAsync(key);
        }

        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Peers_joined_through_two_nodes_see_each_other_within_their_swarm_only()
    {
        var node1 = Node();
        var node2 = Node();
        var (swarm, other) = (Swarm(), Swarm());
        var (a, b, c) = (Peer(), Peer(), Peer());

        var first = await node1.Join(swarm, a, "conn-a", 10);
        Assert.Null(first.Failure);
        Assert.Empty(first.Peers);
        Assert.Equal([a], (await node2.Join(swarm, b, "conn-b", 10)).Peers);
        Assert.Empty((await node2.Join(other, c, "conn-c", 10)).Peers);

        Assert.Equal("conn-a", await node2.FindConnection(swarm, a));
        Assert.Equal("conn-b", await node1.FindConnection(swarm, b));
        // A peer of one swarm is nobody in another: nothing is relayed across swarms.
        Assert.Null(await node1.FindConnection(other, a));
        Assert.Null(await node1.FindConnection(swarm, c));
        Assert.Null(await node1.FindConnection(swarm, Peer()));

        // Joining again refreshes the peer and never lists it to itself.
        Assert.Equal([b], (await node1.Join(swarm, a, "conn-a", 10)).Peers);
    }

    [Fact]
    public async Task Join_hands_out_a_bounded_random_selection_without_the_joiner()
    {
        var node = Node();
        var swarm = Swarm();
        var peers = Enumerable.Range(0, 8).Select(_ => Peer()).ToList();
        foreach (var peer in peers)
        {
            await node.Join(swarm, peer, "conn-" + peer, 10);
        }

        var joined = await node.Join(swarm, peers[0], "conn-" + peers[0], 3);
        Assert.Equal(3, joined.Peers.Count);
        Assert.Equal(3, joined.Peers.Distinct().Count());
        Assert.DoesNotContain(peers[0], joined.Peers);
        Assert.Subset(peers.ToHashSet(), joined.Peers.ToHashSet());
    }

    [Fact]
    public async Task Join_hands_out_peers_with_free_slots_first_across_nodes()
    {
        var node1 = Node();
        var node2 = Node();
        var swarm = Swarm();
        var peers = Enumerable.Range(0, 12).Select(_ => Peer()).ToList();
        for (var i = 0; i < peers.Count; i++)
        {
            var node = i % 2 == 0 ? node1 : node2;
            await node.Join(swarm, peers[i], "conn-" + peers[i], 10);
            // Peers 0 and 5 have room, the others are full; through either node.
            await node.ReportSlots(swarm, peers[i], "conn-" + peers[i], i is 0 or 5 ? 2 : 0);
        }

        var open = new[] { peers[0], peers[5] };
        for (var round = 0; round < 5; round++)
        {
            var late = Peer();
            var joined = await node2.Join(swarm, late, "conn-" + late, 4);
            Assert.Equal(4, joined.Peers.Count);
            Assert.Equal(4, joined.Peers.Distinct().Count());
            Assert.Equal(open.Order(), joined.Peers.Take(2).Order());
            // A newcomer has room itself: it leaves, so that the next round sees the same swarm.
            await node2.Leave(swarm, late, "conn-" + late);
        }

        // Another connection cannot speak for a peer; re-joining does not undo a report; leaving takes it out of the open set.
        await node1.ReportSlots(swarm, peers[1], "conn-someone-else", 5);
        await node1.Join(swarm, peers[2], "conn-" + peers[2], 10);
        await node1.Leave(swarm, peers[0], "conn-" + peers[0]);
        for (var round = 0; round < 5; round++)
        {
            var last = await node1.Join(swarm, peers[3], "conn-" + peers[3], 10);
            Assert.Equal(peers[5], last.Peers[0]);
            Assert.Equal(10, last.Peers.Count);
            Assert.DoesNotContain(peers[0], last.Peers);
        }
    }

    [Fact]
    public async Task Leave_takes_the_peer_out_only_for_the_connection_that_holds_it()
    {
        var node1 = Node();
        var node2 = Node();
        var swarm = Swarm();
        var (a, b) = (Peer(), Peer());
        await node1.Join(swarm, a, "conn-a", 10);

        await node2.Leave(swarm, a, "conn-someone-else");
        Assert.Equal("conn-a", await node2.FindConnection(swarm, a));
        Assert.Equal([a], (await node2.Join(swarm, b, "conn-b", 10)).Peers);

        await node1.Leave(swarm, a, "conn-a");
        Assert.Null(await node2.FindConnection(swarm, a));
        Assert.Empty((await node2.Join(swarm, b, "conn-b", 10)).Peers);
        // Gone from this node's heartbeat too: only b (of node2) is re-stamped now.
        Assert.Equal(0, await node1.HeartbeatAsync());
        Assert.Equal(1, await node2.HeartbeatAsync());
    }

    [Fact]
    public async Task A_full_swarm_refuses_newcomers_but_takes_its_members_back()
    {
        var node = Node(maxPeersPerSwarm: 2);
        var swarm = Swarm();
        var (a, b, c) = (Peer(), Peer(), Peer());
        await node.Join(swarm, a, "conn-a", 10);
        await node.Join(swarm, b, "conn-b", 10);

        var refused = await node.Join(swarm, c, "conn-c", 10);
        Assert.NotNull(refused.Failure);
        Assert.NotEqual(SwarmJoin.Unavailable, refused.Failure);
        Assert.Empty(refused.Peers);
        Assert.Null(await node.FindConnection(swarm, c));
        Assert.Null((await node.Join(swarm, a, "conn-a", 10)).Failure);

        await node.Leave(swarm, b, "conn-b");
        Assert.Equal([a], (await node.Join(swarm, c, "conn-c", 10)).Peers);
    }

    [Fact]
    public async Task The_peers_of_a_node_that_stopped_heartbeating_expire()
    {
        var dead = Node();
        var alive = Node();
        var swarm = Swarm();
        var (a, b) = (Peer(), Peer());
        await dead.Join(swarm, a, "conn-a", 10);
        await alive.Join(swarm, b, "conn-b", 10);
        var ttl = alive.PeerTtl;

        // Two thirds of the TTL on, the live node re-stamps its peer; the dead node does not.
        _clock.Advance(ttl * 2 / 3);
        Assert.Equal(1, await alive.HeartbeatAsync());
        Assert.Equal("conn-a", await alive.FindConnection(swarm, a));

        // Past the TTL for a, not for b.
        _clock.Advance(ttl * 2 / 3);
        Assert.Null(await alive.FindConnection(swarm, a));
        Assert.Equal("conn-b", await dead.FindConnection(swarm, b));
        var joined = await alive.Join(swarm, Peer(), "conn-new", 10);
        Assert.Equal([b], joined.Peers);

        // An expired peer is not brought back by a late heartbeat of its node: it must join again.
        Assert.Equal(0, await dead.HeartbeatAsync());
        Assert.Null(await alive.FindConnection(swarm, a));
    }

    [Fact]
    public async Task An_unreachable_Redis_refuses_Join_and_finds_nobody_without_throwing()
    {
        var configuration = ConfigurationOptions.Parse($"127.0.0.1:{ServerProcess.FreePort()}");
        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = 500;
        configuration.ConnectRetry = 0;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync(configuration);
        var node = Node(redis: nowhere);
        var swarm = Swarm();
        var peer = Peer();

        Assert.Equal(SwarmJoin.Unavailable, (await node.Join(swarm, peer, "conn", 10)).Failure);
        Assert.Null(await node.FindConnection(swarm, peer));
        await node.Leave(swarm, peer, "conn");
    }

    private RedisSwarmRegistry Node(int maxPeersPerSwarm = 1000, IConnectionMultiplexer? redis = null) =>
        new(redis ?? _redis,
            Options.Create(new RedisOptions { Configuration = TestRedis.Configuration, ChannelPrefix = _prefix }),
            Options.Create(new TrackerOptions { MaxPeersPerSwarm = maxPeersPerSwarm }),
            _clock,
            NullLogger<RedisSwarmRegistry>.Instance);

    private static string Swarm() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));

    private static string Peer() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
}
