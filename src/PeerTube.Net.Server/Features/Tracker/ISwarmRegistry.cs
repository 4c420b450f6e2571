namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// The swarm hub's door into the swarm registry that the tracker uses too, so that the tracker's statistics count hub
/// viewers. Swarm ids are 40 lowercase hex characters, peer ids lowercase hex; a member is known by its SignalR
/// connection id, which is all the hub needs to relay to it.
/// </summary>
/// <remarks>
/// In-process by default (<see cref="SwarmStore"/>). With several nodes (Redis:Configuration set),
/// the swarm hub's Redis registry (Features/Peers) replaces it: per swarm, peer id → connection id and a last-seen stamp, removed on
/// leave and on disconnect, and re-stamped by a heartbeat from the node holding the connection, so that a node that dies
/// does not leave ghosts; SignalR's Redis backplane carries <c>signal</c> to whichever node holds the target connection.
/// Everything here is strings on purpose: nothing node-local crosses this interface. Asynchronous, as a call may go to Redis.
/// </remarks>
public interface ISwarmRegistry
{
    /// <summary>
    /// Adds the peer (or refreshes it) and picks up to <paramref name="maxPeers"/> other hub peers at random, those with
    /// free connection slots first (or that have not said yet), full ones only to fill up: a full peer can still rotate
    /// an idle connection out for a newcomer, but a joiner handed only full peers would wait for nothing.
    /// </summary>
    ValueTask<SwarmJoin> Join(string swarmId, string peerId, string connectionId, int maxPeers);

    /// <summary>
    /// Records how many more connections the peer takes (0 = full), if it still belongs to that connection; a new
    /// member counts as having room until it says otherwise.
    /// </summary>
    ValueTask ReportSlots(string swarmId, string peerId, string connectionId, int free);

    /// <summary>Removes the peer, if it still belongs to that connection.</summary>
    ValueTask Leave(string swarmId, string peerId, string connectionId);

    /// <summary>The connection of a live hub peer in the swarm, or null when there is no such peer there.</summary>
    ValueTask<string?> FindConnection(string swarmId, string peerId);
}

/// <param name="Failure">Why the registry refused the peer (the swarm or the registry is full, or it is unreachable), or null.</param>
public sealed record SwarmJoin(string? Failure, IReadOnlyList<string> Peers)
{
    /// <summary>The <see cref="Failure"/> of a registry that could not be reached (Redis down): try again later.</summary>
    public const string Unavailable = "The swarm registry is unreachable, try again later.";
}
