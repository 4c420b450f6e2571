using System.Threading.Channels;

namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>
/// Tells the seeder the catalog changed (a video published, deleted or made unavailable), so it loads or drops
/// torrents, and announces them to our tracker, now rather than at its next poll (Seeding:CatalogRefreshSeconds);
/// and tells the catalog, so the tracker forgets the info-hashes it remembered as known.
/// Cheap and safe to call from anywhere, any number of times; calls while a refresh is pending are merged.
/// </summary>
public sealed class TorrentCatalogSignal(ITorrentCatalog catalog)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void CatalogChanged()
    {
        catalog.Changed();
        _signal.Writer.TryWrite(true);
    }

    /// <summary>Returns when signalled or when <paramref name="timeout"/> has passed, whichever comes first.</summary>
    internal async Task WaitAsync(TimeSpan timeout, TimeProvider clock, CancellationToken ct)
    {
        using var wait = new CancellationTokenSource(timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, ct);
        try
        {
            await _signal.Reader.ReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }
}
