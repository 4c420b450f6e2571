using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Peers;

namespace PeerTube.Net.Server.Features.Torrents;

public static class TorrentsFeature
{
    public static WebApplicationBuilder AddTorrents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ITorrentCatalog, TorrentCatalog>();
        builder.Services.AddSingleton<VideoTorrents>();
        builder.Services.AddSingleton<TorrentsCache>();
        builder.Services.AddSingleton<TorrentCatalogSignal>();
        builder.Services.AddVideoEventHandler<TorrentsVideoEvents>();
        builder.Services.AddVideoDetailsPart<TorrentsDetailsPart>();
        builder.Services.AddScoped<CreateTorrentsJob>();
        builder.Services.AddScoped<TorrentsQueue>();
        return builder;
    }

    /// <summary>On start: every published video whose torrents are missing gets them made again.</summary>
    public static async Task RecoverTorrentsAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var paths = scope.ServiceProvider.GetRequiredService<StoragePaths>();
        var files = await db.VideoFiles.Where(f => f.StreamingPlaylist!.Video!.State == VideoState.Published && f.StreamingPlaylist.Video.RemoteUrl == null)
            .Select(f => new { f.StreamingPlaylist!.VideoId, f.TorrentFilename }).ToListAsync();
        var queue = scope.ServiceProvider.GetRequiredService<TorrentsQueue>();
        foreach (var videoId in files.Where(f => f.TorrentFilename is null || !File.Exists(Path.Combine(paths.Torrents, f.TorrentFilename)))
                     .Select(f => f.VideoId).Distinct())
        {
            queue.Enqueue(videoId);
        }
    }
}

/// <summary>
/// Reads the catalog from the database: every published public or unlisted rendition that has a torrent, and, for the tracker, the
/// renditions' p2p-media-loader swarms too (PeerTube's p2pMediaLoaderInfohashes, which have no .torrent to seed).
/// </summary>
internal sealed class TorrentCatalog(IServiceScopeFactory scopes, StoragePaths paths, SwarmDirectory swarms) : ITorrentCatalog
{
    private long _generation;

    public long Generation => Interlocked.Read(ref _generation);

    public void Changed() => Interlocked.Increment(ref _generation);

    /// <summary>
    /// Renditions of our published videos that anyone may fetch. A private or internal video's torrents have no web
    /// seed, and must have no peers either: the seeder and the tracker would otherwise hand its file to whoever kept
    /// an info-hash (ADR 005).
    /// </summary>
    private static IQueryable<VideoFile> Seedable(AppDbContext db) =>
        db.VideoFiles.Where(f => f.StreamingPlaylist!.Video!.State == VideoState.Published && f.StreamingPlaylist.Video.RemoteUrl == null
                                 && (f.StreamingPlaylist.Video.Privacy == VideoPrivacy.Public || f.StreamingPlaylist.Video.Privacy == VideoPrivacy.Unlisted));

    public async ValueTask<bool> IsKnownAsync(string infoHashHex, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var hash = infoHashHex.ToLowerInvariant();
        return await Seedable(db).AnyAsync(f => f.InfoHash == hash, ct) || await swarms.FindSwarmAsync(hash, ct) is not null;
    }

    public async ValueTask<SeedableTorrent?> FindAsync(string infoHashHex, CancellationToken ct) =>
        (await QueryAsync(infoHashHex.ToLowerInvariant(), ct)).FirstOrDefault();

    public async ValueTask<IReadOnlyList<SeedableTorrent>> ListAsync(CancellationToken ct) => await QueryAsync(null, ct);

    private async Task<List<SeedableTorrent>> QueryAsync(string? infoHash, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var rows = await Seedable(db)
            .Where(f => f.InfoHash != null && f.TorrentFilename != null)
            .Where(f => infoHash == null || f.InfoHash == infoHash)
            .Select(f => new { f.InfoHash, f.Filename, f.TorrentFilename, f.StreamingPlaylist!.Video!.Uuid })
            .ToListAsync(ct);
        return rows.Select(r => new SeedableTorrent(r.InfoHash!, Path.Combine(paths.HlsDirectory(r.Uuid), r.Filename),
                Path.Combine(paths.Torrents, r.TorrentFilename!)))
            .Where(t => File.Exists(t.FilePath) && File.Exists(t.TorrentPath))
            .ToList();
    }
}
