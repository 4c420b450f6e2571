using System.Net;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>How the in-process seeder announces itself to our own tracker, without an HTTP round trip.</summary>
public interface ITrackerPeerRegistry
{
    /// <summary>Adds or refreshes a complete peer (left = 0) for the info-hash; it expires like any peer unless refreshed.</summary>
    void AnnounceLocalSeeder(string infoHashHex, byte[] peerId, IPEndPoint endpoint);

    void RemoveLocalSeeder(string infoHashHex, byte[] peerId);
}
