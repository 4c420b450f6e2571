namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>
/// The torrents this instance stands behind: the tracker accepts announces only for these (and for the renditions'
/// p2p-media-loader swarm ids), and the seeder seeds them. Info-hashes are 40 lowercase hex characters.
/// </summary>
public interface ITorrentCatalog
{
    ValueTask<bool> IsKnownAsync(string infoHashHex, CancellationToken ct);

    ValueTask<SeedableTorrent?> FindAsync(string infoHashHex, CancellationToken ct);

    ValueTask<IReadOnlyList<SeedableTorrent>> ListAsync(CancellationToken ct);
}

/// <summary>A published rendition: its media file on disk and its .torrent file on disk.</summary>
public sealed record SeedableTorrent(string InfoHashHex, string FilePath, string TorrentPath);
