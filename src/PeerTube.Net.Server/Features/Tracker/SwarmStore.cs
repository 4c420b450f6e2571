using System.Collections.Concurrent;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Tracker;

internal enum PeerTransport
{
    /// <summary>A BitTorrent client over TCP, announced through /tracker/announce.</summary>
    Http,

    /// <summary>A WebRTC peer (WebTorrent, p2p-media-loader) connected to /tracker/socket.</summary>
    WebSocket,

    /// <summary>This server's own seeder, announced in-process.</summary>
    Local,

    /// <summary>A viewer connected to the swarm hub (/hubs/swarm), signalled through SignalR; see Features/Peers.</summary>
    Hub,
}

internal enum AnnounceEvent
{
    Update,
    Started,
    Completed,
    Stopped,
}

/// <summary>One announce, whichever way it came. <see cref="Left"/> is null when the client did not say.</summary>
internal sealed record AnnounceRequest(
    string InfoHash,
    byte[] PeerId,
    PeerTransport Transport,
    IPEndPoint? Endpoint,
    TrackerSocket? Socket,
    long? Left,
    AnnounceEvent Event,
    int NumWant,
    string? Connection = null);

/// <summary>
/// What another peer needs to know of a peer: TCP peers an address, WebRTC peers the socket to signal through, hub
/// peers their SignalR connection id.
/// </summary>
internal sealed record PeerInfo(byte[] PeerId, IPEndPoint? Endpoint, TrackerSocket? Socket, string? Connection = null);

internal sealed record AnnounceOutcome(string? Failure, int Complete, int Incomplete, IReadOnlyList<PeerInfo> Peers)
{
    public static AnnounceOutcome Refused(string reason) => new(reason, 0, 0, []);
}

internal readonly record struct SwarmCounts(int Complete, int Incomplete, long Downloaded);

internal sealed record SwarmStats(string InfoHash, int Seeders, int Leechers, int Http, int WebSocket, int Local, int Hub)
{
    public int Peers => Seeders + Leechers;
}

internal sealed record StoreStats(int Torrents, int Seeders, int Leechers, int Http, int WebSocket, int Local, int Hub, long Announces, long Scrapes,
    IReadOnlyList<SwarmStats> Top);

/// <summary>
/// Who is in which swarm, in memory, whichever door they came through (HTTP and WebSocket tracker, swarm hub).
/// Thread-safe: one lock per swarm. Peers are forgotten when they stop announcing (pruned on access and by
/// <see cref="TrackerSweeper"/>) or, for hub peers, when they leave or disconnect; the store is bounded per swarm and in total.
/// </summary>
/// <remarks>
/// The store is per node. With several nodes, a peer only sees the peers that announced to the same node, so /tracker/*
/// needs sticky routing (by client IP); the WebSocket relay (offers, answers) has the same constraint, as both ends must
/// hold a socket on the same node. The swarm hub only sees this store through <see cref="ISwarmRegistry"/>, which deals in
/// ids and connection ids alone; with Redis configured the hub uses the swarm hub's Redis registry (Features/Peers) instead, and
/// this store then holds the tracker's peers only.
/// </remarks>
internal sealed class SwarmStore(IOptions<TrackerOptions> options, TimeProvider clock) : ITrackerPeerRegistry, ISwarmRegistry
{
    /// <summary>How often a swarm is scanned for expired peers when it is touched; expired peers are skipped meanwhile.</summary>
    private static readonly TimeSpan PruneEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, Swarm> _swarms = new(StringComparer.Ordinal);
    private int _peers;
    private long _announces;
    private long _scrapes;

    private TimeSpan PeerTtl => TimeSpan.FromSeconds(options.Value.PeerTtlSeconds);

    public int PeerCount => Volatile.Read(ref _peers);

    public AnnounceOutcome Announce(AnnounceRequest request)
    {
        var now = clock.GetUtcNow();
        var limits = options.Value;
        var key = KeyOf(request.Transport, request.PeerId, request.Endpoint);
        var outcome = WithSwarm(request.InfoHash, create: request.Event != AnnounceEvent.Stopped, swarm =>
        {
            PruneIfDue(swarm, now);
            swarm.Peers.TryGetValue(key, out var existing);
            if (existing is not null && !IsSameClient(existing, request))
            {
                if (request.Transport == PeerTransport.WebSocket && existing.Info.Socket is { IsOpen: true } && !IsExpired(existing, now))
                {
                    return AnnounceOutcome.Refused("This peer_id is in use by another connection.");
                }

                // The address (HTTP) or peer id (WebSocket) now belongs to a new client: the old entry is stale.
                Remove(swarm, key, existing);
                existing = null;
            }

            if (request.Event == AnnounceEvent.Stopped)
            {
                if (existing is not null)
                {
                    Remove(swarm, key, existing);
                }

                return Outcome(swarm, []);
            }

            if (existing is null)
            {
                if (swarm.Peers.Count >= limits.MaxPeersPerSwarm && !EvictStalest(swarm))
                {
                    return AnnounceOutcome.Refused("This torrent has too many peers on this tracker.");
                }

                if (PeerCount >= limits.MaxPeers)
                {
                    return AnnounceOutcome.Refused("This tracker is full, try again later.");
                }

                var complete = request.Left == 0 || request.Event == AnnounceEvent.Completed;
                existing = new Peer(new PeerInfo(request.PeerId, request.Endpoint, request.Socket, request.Connection), request.Transport, complete, now);
                Add(swarm, key, existing);
                if (request.Event == AnnounceEvent.Completed)
                {
                    swarm.Downloaded++;
                }
            }
            else
            {
                existing.LastSeen = now;
                if (!existing.Complete && (request.Left == 0 || request.Event == AnnounceEvent.Completed))
                {
                    SetComplete(swarm, existing, true);
                    swarm.Downloaded++;
                }
                else if (existing.Complete && request.Left > 0)
                {
                    // A seeder that lost data is a leecher again; a message that does not say (a WebRTC answer) changes nothing.
                    SetComplete(swarm, existing, false);
                }
            }

            return Outcome(swarm, PickPeers(swarm, key, request, now));
        }, ifAbsent: new AnnounceOutcome(null, 0, 0, []));

        if (outcome.Failure is null && request.Transport is PeerTransport.Http or PeerTransport.WebSocket)
        {
            Interlocked.Increment(ref _announces);
        }

        return outcome;
    }

    public IReadOnlyList<SwarmCounts> Scrape(IReadOnlyList<string> infoHashes)
    {
        Interlocked.Increment(ref _scrapes);
        var now = clock.GetUtcNow();
        return infoHashes.Select(hash => WithSwarm(hash, create: false, swarm =>
        {
            PruneIfDue(swarm, now);
            return new SwarmCounts(swarm.Complete, swarm.Incomplete, swarm.Downloaded);
        }, ifAbsent: default)).ToList();
    }

    /// <summary>The socket of a live WebRTC peer, to relay an answer to.</summary>
    public TrackerSocket? FindSocket(string infoHash, string peerIdHex)
    {
        var now = clock.GetUtcNow();
        return WithSwarm(infoHash, create: false, swarm =>
            swarm.Peers.TryGetValue(SocketKey(peerIdHex), out var peer) && !IsExpired(peer, now) ? peer.Info.Socket : null, ifAbsent: null);
    }

    /// <summary>Removes a WebRTC peer, unless another connection has taken its peer id since.</summary>
    public void RemoveSocketPeer(string infoHash, string peerIdHex, TrackerSocket socket) =>
        WithSwarm(infoHash, create: false, swarm =>
        {
            var key = SocketKey(peerIdHex);
            if (swarm.Peers.TryGetValue(key, out var peer) && ReferenceEquals(peer.Info.Socket, socket))
            {
                Remove(swarm, key, peer);
            }

            return true;
        }, ifAbsent: false);

    public void AnnounceLocalSeeder(string infoHashHex, byte[] peerId, IPEndPoint endpoint)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(peerId.Length, 20, nameof(peerId));
        if (!options.Value.Enabled)
        {
            return;
        }

        Announce(new AnnounceRequest(infoHashHex.ToLowerInvariant(), peerId, PeerTransport.Local, endpoint, null, Left: 0,
            AnnounceEvent.Update, NumWant: 0));
    }

    public void RemoveLocalSeeder(string infoHashHex, byte[] peerId)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        Announce(new AnnounceRequest(infoHashHex.ToLowerInvariant(), peerId, PeerTransport.Local, null, null, Left: 0,
            AnnounceEvent.Stopped, NumWant: 0));
    }

    public ValueTask<SwarmJoin> Join(string swarmId, string peerId, string connectionId, int maxPeers)
    {
        var outcome = Announce(new AnnounceRequest(swarmId, Convert.FromHexString(peerId), PeerTransport.Hub, null, null, Left: null,
            AnnounceEvent.Started, maxPeers, connectionId));
        return ValueTask.FromResult(outcome.Failure is { } failure
            ? new SwarmJoin(failure, [])
            : new SwarmJoin(null, outcome.Peers.Select(p => Convert.ToHexStringLower(p.PeerId)).ToList()));
    }

    public ValueTask ReportSlots(string swarmId, string peerId, string connectionId, int free)
    {
        WithSwarm(swarmId, create: false, swarm =>
        {
            if (swarm.Peers.TryGetValue(HubKey(peerId), out var peer) && peer.Info.Connection == connectionId)
            {
                peer.FreeSlots = free;
            }

            return true;
        }, ifAbsent: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask Leave(string swarmId, string peerId, string connectionId)
    {
        WithSwarm(swarmId, create: false, swarm =>
        {
            var key = HubKey(peerId);
            if (swarm.Peers.TryGetValue(key, out var peer) && peer.Info.Connection == connectionId)
            {
                Remove(swarm, key, peer);
            }

            return true;
        }, ifAbsent: false);
        return ValueTask.CompletedTask;
    }

    public ValueTask<string?> FindConnection(string swarmId, string peerId) =>
        ValueTask.FromResult(WithSwarm(swarmId, create: false, swarm =>
            swarm.Peers.TryGetValue(HubKey(peerId), out var peer) ? peer.Info.Connection : null, ifAbsent: null));

    /// <summary>Forgets expired peers and empty swarms everywhere; returns how many peers went.</summary>
    public int Sweep()
    {
        var now = clock.GetUtcNow();
        var removed = 0;
        foreach (var swarm in _swarms.Values)
        {
            lock (swarm)
            {
                if (swarm.Retired)
                {
                    continue;
                }

                removed += Prune(swarm, now);
                RetireIfEmpty(swarm);
            }
        }

        return removed;
    }

    public StoreStats Stats(int top)
    {
        var now = clock.GetUtcNow();
        var rows = new List<SwarmStats>();
        foreach (var swarm in _swarms.Values)
        {
            lock (swarm)
            {
                if (swarm.Retired)
                {
                    continue;
                }

                PruneIfDue(swarm, now);
                var live = swarm.Peers.Values.Where(p => !IsExpired(p, now)).ToList();
                if (live.Count > 0)
                {
                    rows.Add(new SwarmStats(swarm.InfoHash, live.Count(p => p.Complete), live.Count(p => !p.Complete),
                        live.Count(p => p.Transport == PeerTransport.Http), live.Count(p => p.Transport == PeerTransport.WebSocket),
                        live.Count(p => p.Transport == PeerTransport.Local), live.Count(p => p.Transport == PeerTransport.Hub)));
                }
            }
        }

        return new StoreStats(rows.Count, rows.Sum(r => r.Seeders), rows.Sum(r => r.Leechers), rows.Sum(r => r.Http), rows.Sum(r => r.WebSocket),
            rows.Sum(r => r.Local), rows.Sum(r => r.Hub), Interlocked.Read(ref _announces), Interlocked.Read(ref _scrapes),
            rows.OrderByDescending(r => r.Peers).ThenBy(r => r.InfoHash, StringComparer.Ordinal).Take(top).ToList());
    }

    /// <summary>
    /// Runs <paramref name="action"/> under the swarm's lock. A swarm left empty is retired and dropped; whoever finds a
    /// retired swarm (it lost the race with the retirement) starts over with a fresh one.
    /// </summary>
    private T WithSwarm<T>(string infoHash, bool create, Func<Swarm, T> action, T ifAbsent)
    {
        while (true)
        {
            var swarm = create ? _swarms.GetOrAdd(infoHash, hash => new Swarm(hash)) : _swarms.GetValueOrDefault(infoHash);
            if (swarm is null)
            {
                return ifAbsent;
            }

            lock (swarm)
            {
                if (swarm.Retired)
                {
                    continue;
                }

                var result = action(swarm);
                RetireIfEmpty(swarm);
                return result;
            }
        }
    }

    private void RetireIfEmpty(Swarm swarm)
    {
        if (swarm.Peers.Count == 0)
        {
            swarm.Retired = true;
            _swarms.TryRemove(new KeyValuePair<string, Swarm>(swarm.InfoHash, swarm));
        }
    }

    private static AnnounceOutcome Outcome(Swarm swarm, IReadOnlyList<PeerInfo> peers) => new(null, swarm.Complete, swarm.Incomplete, peers);

    /// <summary>
    /// TCP peers are one per address (as bittorrent-tracker keys them), WebRTC peers one per peer id, since they share
    /// a browser's address.
    /// </summary>
    private static string KeyOf(PeerTransport transport, byte[] peerId, IPEndPoint? endpoint) => transport switch
    {
        PeerTransport.Http => "h:" + endpoint,
        PeerTransport.WebSocket => SocketKey(Convert.ToHexStringLower(peerId)),
        PeerTransport.Hub => HubKey(Convert.ToHexStringLower(peerId)),
        _ => "l:" + Convert.ToHexStringLower(peerId),
    };

    private static string SocketKey(string peerIdHex) => "w:" + peerIdHex;

    private static string HubKey(string peerIdHex) => "s:" + peerIdHex;

    private static bool IsSameClient(Peer existing, AnnounceRequest request) => request.Transport switch
    {
        PeerTransport.Http => existing.Info.PeerId.AsSpan().SequenceEqual(request.PeerId),
        PeerTransport.WebSocket => ReferenceEquals(existing.Info.Socket, request.Socket),
        PeerTransport.Hub => existing.Info.Connection == request.Connection,
        _ => true,
    };

    /// <summary>Hub peers never expire: they are live connections, removed when they leave or disconnect.</summary>
    private bool IsExpired(Peer peer, DateTimeOffset now) => peer.Transport != PeerTransport.Hub && now - peer.LastSeen > PeerTtl;

    /// <summary>
    /// Up to numwant random peers the requester can reach (TCP for TCP, tracker WebRTC for tracker WebRTC, hub for hub:
    /// the two WebRTC doors signal differently), never itself.
    /// </summary>
    private List<PeerInfo> PickPeers(Swarm swarm, string ownKey, AnnounceRequest request, DateTimeOffset now)
    {
        if (request.NumWant <= 0)
        {
            return [];
        }

        var candidates = new List<(PeerInfo Info, bool Full)>();
        foreach (var (key, peer) in swarm.Peers)
        {
            var reachable = request.Transport switch
            {
                PeerTransport.WebSocket => peer.Transport == PeerTransport.WebSocket && peer.Info.Socket is { IsOpen: true },
                PeerTransport.Hub => peer.Transport == PeerTransport.Hub,
                _ => peer.Transport is PeerTransport.Http or PeerTransport.Local,
            };
            if (reachable && key != ownKey && !peer.Info.PeerId.AsSpan().SequenceEqual(request.PeerId) && !IsExpired(peer, now))
            {
                candidates.Add((peer.Info, peer.FreeSlots == 0));
            }
        }

        var count = Math.Min(request.NumWant, candidates.Count);
        Random.Shared.Shuffle(CollectionsMarshal.AsSpan(candidates));
        if (request.Transport == PeerTransport.Hub)
        {
            // Hub peers with room first (a stable sort keeps the shuffle within each group): see ISwarmRegistry.Join.
            candidates = candidates.OrderBy(p => p.Full ? 1 : 0).ToList();
        }

        candidates.RemoveRange(count, candidates.Count - count);
        return candidates.Select(c => c.Info).ToList();
    }

    private void PruneIfDue(Swarm swarm, DateTimeOffset now)
    {
        if (now >= swarm.NextPruneAt)
        {
            Prune(swarm, now);
        }
    }

    private int Prune(Swarm swarm, DateTimeOffset now)
    {
        swarm.NextPruneAt = now + PruneEvery;
        var expired = swarm.Peers.Where(p => IsExpired(p.Value, now)).ToList();
        foreach (var (key, peer) in expired)
        {
            Remove(swarm, key, peer);
        }

        return expired.Count;
    }

    /// <summary>Makes room in a full swarm by forgetting the peer silent the longest (never our own seeder, nor a live hub connection).</summary>
    private bool EvictStalest(Swarm swarm)
    {
        (string Key, Peer Peer)? stalest = null;
        foreach (var (key, peer) in swarm.Peers)
        {
            if (peer.Transport is not (PeerTransport.Local or PeerTransport.Hub) && (stalest is null || peer.LastSeen < stalest.Value.Peer.LastSeen))
            {
                stalest = (key, peer);
            }
        }

        if (stalest is not { } evicted)
        {
            return false;
        }

        Remove(swarm, evicted.Key, evicted.Peer);
        return true;
    }

    private void Add(Swarm swarm, string key, Peer peer)
    {
        swarm.Peers.Add(key, peer);
        Interlocked.Increment(ref _peers);
        if (peer.Complete)
        {
            swarm.Complete++;
        }
        else
        {
            swarm.Incomplete++;
        }
    }

    private void Remove(Swarm swarm, string key, Peer peer)
    {
        if (!swarm.Peers.Remove(key))
        {
            return;
        }

        Interlocked.Decrement(ref _peers);
        if (peer.Complete)
        {
            swarm.Complete--;
        }
        else
        {
            swarm.Incomplete--;
        }
    }

    private static void SetComplete(Swarm swarm, Peer peer, bool complete)
    {
        peer.Complete = complete;
        swarm.Complete += complete ? 1 : -1;
        swarm.Incomplete += complete ? -1 : 1;
    }

    /// <summary>Guarded by its own lock.</summary>
    private sealed class Swarm(string infoHash)
    {
        public string InfoHash { get; } = infoHash;
        public Dictionary<string, Peer> Peers { get; } = new(StringComparer.Ordinal);
        public int Complete { get; set; }
        public int Incomplete { get; set; }

        /// <summary>Completions seen while the swarm lived (BEP 48's "downloaded").</summary>
        public long Downloaded { get; set; }

        public bool Retired { get; set; }
        public DateTimeOffset NextPruneAt { get; set; }
    }

    private sealed class Peer(PeerInfo info, PeerTransport transport, bool complete, DateTimeOffset lastSeen)
    {
        public PeerInfo Info { get; } = info;
        public PeerTransport Transport { get; } = transport;
        public bool Complete { get; set; } = complete;
        public DateTimeOffset LastSeen { get; set; } = lastSeen;

        /// <summary>Hub peers: connections it still takes, as it last reported; null until it does (counts as room).</summary>
        public int? FreeSlots { get; set; }
    }
}
