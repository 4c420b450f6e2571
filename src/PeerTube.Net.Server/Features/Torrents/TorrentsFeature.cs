using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Videos;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Storage;

namespace PeerTube.Net.Server.Features.Torrents;

public static class TorrentsFeature
{
    public static WebApplicationBuilder AddTorrents(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ITorrentCatalog, TorrentCatalog>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTorrents(this IEndpointRouteBuilder app) => app;
}

/// <summary>Reads the catalog from the database: every published rendition that has a torrent.</summary>
internal sealed class TorrentCatalog(IServiceScopeFactory scopes, StoragePaths paths) : ITorrentCatalog
{
    public async ValueTask<bool> IsKnownAsync(string infoHashHex, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var hash = infoHashHex.ToLowerInvariant();
        return await db.VideoFiles.AnyAsync(f => f.InfoHash == hash && f.StreamingPlaylist!.Video!.State == VideoState.Published, ct);
    }

    public async ValueTask<SeedableTorrent?> FindAsync(string infoHashHex, CancellationToken ct) =>
        (await QueryAsync(infoHashHex.ToLowerInvariant(), ct)).FirstOrDefault();

    public async ValueTask<IReadOnlyList<SeedableTorrent>> ListAsync(CancellationToken ct) => await QueryAsync(null, ct);

    private async Task<List<SeedableTorrent>> QueryAsync(string? infoHash, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var rows = await db.VideoFiles
            .Where(f => f.InfoHash != null && f.TorrentFilename != null && f.StreamingPlaylist!.Video!.State == VideoState.Published)
            .Where(f => infoHash == null || f.InfoHash == infoHash)
            .Select(f => new { f.InfoHash, f.Filename, f.TorrentFilename, f.StreamingPlaylist!.Video!.Uuid })
            .ToListAsync(ct);
        return rows.Select(r => new SeedableTorrent(r.InfoHash!, Path.Combine(paths.HlsDirectory(r.Uuid), r.Filename),
                Path.Combine(paths.Torrents, r.TorrentFilename!)))
            .Where(t => File.Exists(t.FilePath) && File.Exists(t.TorrentPath))
            .ToList();
    }
}
