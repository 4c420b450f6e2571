using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Torrents;
using PeerTube.Net.Server.Features.Tracker;

namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>
/// Keeps <see cref="SeederState"/>'s torrents in step with the catalog, with each .torrent parsed once, and tells our
/// tracker where the seeder is for each of them.
/// </summary>
internal sealed class SeedingLibrary(
    ITorrentCatalog catalog,
    SeederState state,
    IOptions<SeedingOptions> options,
    IOptions<InstanceOptions> instance,
    TimeProvider clock,
    ILogger<SeedingLibrary> log,
    ITrackerPeerRegistry? registry = null)
{
    /// <summary>Well inside the tracker's peer lifetime (Tracker:PeerTtlSeconds, 330 s by default).</summary>
    public static readonly TimeSpan ReannounceInterval = TimeSpan.FromSeconds(60);

    private long _lastAnnouncedAll;

    // A .torrent that failed to load is not read again until it changes, so a bad file costs one warning.
    private readonly ConcurrentDictionary<string, DateTime> _unusable = new(StringComparer.Ordinal);

    /// <summary>
    /// The torrent for a handshake's info-hash, from memory only: a stranger's made-up info-hashes never reach the
    /// database. A new video is known once it is loaded, which is also when our tracker starts handing out the seeder.
    /// </summary>
    public SeededTorrent? Find(string infoHashHex) => state.TryGet(infoHashHex, out var torrent) ? torrent : null;

    /// <summary>Loads what the catalog added, withdraws what it dropped; announces new torrents, and all of them now and then.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var entries = await catalog.ListAsync(ct);
        var added = 0;
        foreach (var entry in entries.Where(e => !state.TryGet(e.InfoHashHex.ToLowerInvariant(), out _)))
        {
            if (await LoadAsync(entry, ct) is { } torrent)
            {
                Announce(torrent);
                added++;
            }
        }

        var listed = entries.Select(e => e.InfoHashHex.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var withdrawn = 0;
        foreach (var gone in state.Torrents.Where(t => !listed.Contains(t.InfoHashHex)))
        {
            if (state.TryRemove(gone.InfoHashHex, out var removed))
            {
                removed.Withdraw();
                registry?.RemoveLocalSeeder(removed.InfoHashHex, state.PeerId);
                withdrawn++;
            }
        }

        if (added > 0 || withdrawn > 0)
        {
            log.LogInformation("Seeding {Count} torrents ({Added} new, {Withdrawn} withdrawn)", state.Torrents.Count, added, withdrawn);
        }

        if (clock.GetElapsedTime(_lastAnnouncedAll) >= ReannounceInterval)
        {
            AnnounceAll();
        }
    }

    /// <summary>Where our tracker sends peers for this seeder, or null while it is not listening.</summary>
    public IPEndPoint? Endpoint() =>
        state.ListeningPort is { } port ? new IPEndPoint(options.Value.ResolveAnnounceAddress(instance.Value), port) : null;

    public void AnnounceAll()
    {
        _lastAnnouncedAll = clock.GetTimestamp();
        foreach (var torrent in state.Torrents)
        {
            Announce(torrent);
        }
    }

    public void WithdrawAll()
    {
        foreach (var torrent in state.Torrents)
        {
            registry?.RemoveLocalSeeder(torrent.InfoHashHex, state.PeerId);
        }

        state.AnnouncedEndpoint = null;
    }

    private void Announce(SeededTorrent torrent)
    {
        if (Endpoint() is { } endpoint)
        {
            registry?.AnnounceLocalSeeder(torrent.InfoHashHex, state.PeerId, endpoint);
            state.AnnouncedEndpoint = endpoint;
        }
    }

    private async Task<SeededTorrent?> LoadAsync(SeedableTorrent entry, CancellationToken ct)
    {
        var written = File.GetLastWriteTimeUtc(entry.TorrentPath);
        if (_unusable.TryGetValue(entry.InfoHashHex, out var failed) && failed == written)
        {
            return null;
        }

        try
        {
            var torrent = state.Add(await SeededTorrent.LoadAsync(entry, ct));
            _unusable.TryRemove(entry.InfoHashHex, out _);
            return torrent;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            _unusable[entry.InfoHashHex] = written;
            log.LogWarning("Cannot seed {InfoHash} ({TorrentPath}): {Reason}", entry.InfoHashHex, entry.TorrentPath, e.Message);
            return null;
        }
    }
}
