using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Tracker;
using PeerTube.Net.Server.Infrastructure.Redis;
using StackExchange.Redis;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>
/// The swarm hub's members in Redis, shared by every node: per swarm a hash peer id → connection id
/// (<c>{prefix}:swarm:{id}:conn</c>), a sorted set peer id → last seen, in unix ms (<c>{prefix}:swarm:{id}:seen</c>)
/// and the set of members that take more connections (<c>{prefix}:swarm:{id}:open</c>: new members, and those whose
/// last ReportSlots said so), from which Join picks first.
/// Each step is one Lua script, so that two nodes never see a half-made change.
/// </summary>
/// <remarks>
/// A peer is live while its last-seen stamp is younger than <see cref="RedisOptions.SwarmPeerTtlSeconds"/>: the node that
/// holds its connection re-stamps it (<see cref="HeartbeatAsync"/>), so the peers of a node that dies fade out on their
/// own. Stamps are this node's clock: nodes need their clocks in step (NTP) to well within the TTL. The swarm id is a
/// hash tag (<c>{…}</c>), so that both keys of a swarm sit in one slot of a Redis Cluster. Hub peers here are not in the
/// tracker's own <see cref="SwarmStore"/>, so /api/v1/admin/tracker/stats no longer counts them.
/// </remarks>
internal sealed class RedisSwarmRegistry(
    IConnectionMultiplexer redis,
    IOptions<RedisOptions> options,
    IOptions<TrackerOptions> tracker,
    TimeProvider clock,
    ILogger<RedisSwarmRegistry> logger) : ISwarmRegistry
{
    /// <summary>
    /// Forgets the expired, refuses a newcomer to a full swarm, adds or refreshes the peer (a newcomer is open), picks
    /// others at random: open ones first, then any to fill up.
    /// </summary>
    private const string JoinScript = """
        local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
        for _, peer in ipairs(stale) do
          redis.call('HDEL', KEYS[1], peer)
          redis.call('SREM', KEYS[3], peer)
        end
        if #stale > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
        end
        local known = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if not known and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
          return {'full'}
        end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        if not known then
          redis.call('SADD', KEYS[3], ARGV[1])
        end
        for i = 1, 3 do
          redis.call('PEXPIRE', KEYS[i], ARGV[7])
        end
        local wanted = tonumber(ARGV[6])
        local result = {'ok'}
        local taken = {[ARGV[1]] = true}
        for _, peer in ipairs(redis.call('SRANDMEMBER', KEYS[3], wanted + 1)) do
          if not taken[peer] and #result <= wanted then
            taken[peer] = true
            table.insert(result, peer)
          end
        end
        if #result <= wanted then
          for _, peer in ipairs(redis.call('ZRANDMEMBER', KEYS[2], wanted + #result)) do
            if not taken[peer] and #result <= wanted then
              taken[peer] = true
              table.insert(result, peer)
            end
          end
        end
        return result
        """;

    /// <summary>A member reports its free slots: in the open set with room, out of it when full.</summary>
    private const string SlotsScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        if tonumber(ARGV[3]) > 0 then
          redis.call('SADD', KEYS[3], ARGV[1])
        else
          redis.call('SREM', KEYS[3], ARGV[1])
        end
        return 1
        """;

    private const string FindScript = """
        local seen = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if not seen or tonumber(seen) < tonumber(ARGV[2]) then
          return false
        end
        return redis.call('HGET', KEYS[1], ARGV[1])
        """;

    /// <summary>Only the connection that holds the peer id may take it out (a late Leave must not remove a newer member).</summary>
    private const string LeaveScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('SREM', KEYS[3], ARGV[1])
        return 1
        """;

    /// <summary>Re-stamps a member still held by that connection; never brings back one that left or expired meanwhile.</summary>
    private const string HeartbeatScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
          return 0
        end
        redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
        for i = 1, 3 do
          redis.call('PEXPIRE', KEYS[i], ARGV[4])
        end
        return 1
        """;

    /// <summary>The peers that joined through this node and have not left: what <see cref="HeartbeatAsync"/> keeps alive.</summary>
    private readonly ConcurrentDictionary<(string Swarm, string Peer), string> _local = new();

    public TimeSpan PeerTtl => TimeSpan.FromSeconds(options.Value.SwarmPeerTtlSeconds);

    /// <summary>A swarm nobody touches for twice the TTL has only dead members left: Redis drops its keys by itself.</summary>
    private long KeyExpiryMs => (long)(PeerTtl * 2).TotalMilliseconds;

    private IDatabase Db => redis.GetDatabase();

    public async ValueTask<SwarmJoin> Join(string swarmId, string peerId, string connectionId, int maxPeers)
    {
        var now = clock.GetUtcNow();
        try
        {
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(JoinScript, Keys(swarmId),
            [
                peerId, connectionId, now.ToUnixTimeMilliseconds(), Cutoff(now), tracker.Value.MaxPeersPerSwarm, maxPeers, KeyExpiryMs,
            ]))!;
            if ((string?)result[0] != "ok")
            {
                return new SwarmJoin("This torrent has too many peers on this tracker.", []);
            }

            _local[(swarmId, peerId)] = connectionId;
            return new SwarmJoin(null, result.Skip(1).Select(p => (string)p!).ToList());
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            logger.LogWarning(e, "Redis is unreachable: could not add peer {PeerId} to swarm {SwarmId}", peerId, swarmId);
            return new SwarmJoin(SwarmJoin.Unavailable, []);
        }
    }

    public async ValueTask Leave(string swarmId, string peerId, string connectionId)
    {
        _local.TryRemove(KeyValuePair.Create((swarmId, peerId), connectionId));
        try
        {
            await Db.ScriptEvaluateAsync(LeaveScript, Keys(swarmId), [peerId, connectionId]);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // Not fatal: the peer is no longer re-stamped, so it expires within the TTL.
            logger.LogWarning(e, "Redis is unreachable: peer {PeerId} of swarm {SwarmId} will expire instead of leaving", peerId, swarmId);
        }
    }

    public async ValueTask ReportSlots(string swarmId, string peerId, string connectionId, int free)
    {
        try
        {
            await Db.ScriptEvaluateAsync(SlotsScript, Keys(swarmId), [peerId, connectionId, free]);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            // Not fatal: Join then hands this peer out as its last report said.
            logger.LogWarning(e, "Redis is unreachable: the free slots of peer {PeerId} of swarm {SwarmId} were not recorded", peerId, swarmId);
        }
    }

    public async ValueTask<string?> FindConnection(string swarmId, string peerId)
    {
        try
        {
            return (string?)await Db.ScriptEvaluateAsync(FindScript, Keys(swarmId), [peerId, Cutoff(clock.GetUtcNow())]);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            logger.LogWarning(e, "Redis is unreachable: cannot find peer {PeerId} of swarm {SwarmId}", peerId, swarmId);
            return null;
        }
    }

    /// <summary>Re-stamps every peer that joined through this node; returns how many Redis still held.</summary>
    public async Task<int> HeartbeatAsync()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var db = Db;
        var beats = _local.Select(async member =>
            (long)await db.ScriptEvaluateAsync(HeartbeatScript, Keys(member.Key.Swarm), [member.Key.Peer, member.Value, now, KeyExpiryMs]));
        return (int)(await Task.WhenAll(beats)).Sum();
    }

    private RedisKey[] Keys(string swarmId)
    {
        var swarm = $"{options.Value.ChannelPrefix}:swarm:{{{swarmId}}}";
        return [swarm + ":conn", swarm + ":seen", swarm + ":open"];
    }

    /// <summary>Stamps older than this are expired.</summary>
    private long Cutoff(DateTimeOffset now) => (now - PeerTtl).ToUnixTimeMilliseconds();

    /// <summary>
    /// Redis away (no connection, a timeout) or refusing (READONLY in a failover, MISCONF, OOM, LOADING): every call
    /// treats these as "not now", so that neither a hub call nor the heartbeat takes the node down with Redis.
    /// </summary>
    internal static bool IsUnavailable(Exception e) => e is RedisException;
}

/// <summary>Re-stamps this node's swarm hub peers in Redis every third of the TTL, so that only a dead node's peers expire.</summary>
internal sealed class RedisSwarmHeartbeat(RedisSwarmRegistry registry, TimeProvider clock, ILogger<RedisSwarmHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(registry.PeerTtl / 3, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await registry.HeartbeatAsync();
            }
            catch (Exception e) when (RedisSwarmRegistry.IsUnavailable(e))
            {
                logger.LogWarning(e, "Redis is unreachable: this node's swarm hub peers were not re-stamped; trying again next time");
            }
        }
    }
}
