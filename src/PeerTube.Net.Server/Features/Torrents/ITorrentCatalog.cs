namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>
/// The torrents this instance stands behind: the tracker accepts announces only for these (and for the renditions'
/// p2p-media-loader swarm ids), and the seeder seeds them. Info-hashes are 40 lowercase hex characters. Only
/// public and unlisted videos' torrents are in it: a private or internal video is neither tracked nor seeded.
/// </summary>
public interface ITorrentCatalog
{
    /// <summary>
    /// Moves on each <see cref="Changed"/>: whoever remembers the catalog's answers (the tracker's known info-hashes)
    /// forgets them when it differs from what they saw.
    /// </summary>
    long Generation { get; }

    /// <summary>Says that a torrent may have left the catalog (a video deleted, made private, its torrents replaced).</summary>
    void Changed();

    ValueTask<bool> IsKnownAsync(string infoHashHex, CancellationToken ct);

    ValueTask<SeedableTorrent?> FindAsync(string infoHashHex, CancellationToken ct);

    ValueTask<IReadOnlyList<SeedableTorrent>> ListAsync(CancellationToken ct);
}

/// <summary>A published rendition: its media file on disk and its .torrent file on disk.</summary>
public sealed record SeedableTorrent(string InfoHashHex, string FilePath, string TorrentPath);
