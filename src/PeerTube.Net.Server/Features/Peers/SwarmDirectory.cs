using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>A published video that has swarms, with what it takes to decide who may join them.</summary>
public sealed record SwarmVideo(int Id, Guid Uuid, string Name, VideoPrivacy Privacy, int? OwnerUserId);

/// <summary>
/// Which swarm ids exist: every p2pMediaLoaderInfohashes entry of every published video. Swarm ids are hashes of URLs,
/// not stored anywhere, so the directory keeps them all in memory, built from the database. It is rebuilt when the
/// published videos change: a cheap check (how many, the latest change) runs on a miss, and on a hit once the
/// snapshot is older than <see cref="HitRecheck"/>, so a new video is known at once and a deleted or re-privacied one soon.
/// </summary>
public sealed class SwarmDirectory(IServiceScopeFactory scopes, VideoUrls urls, TimeProvider clock)
{
    private static readonly TimeSpan HitRecheck = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private volatile Snapshot? _snapshot;

    /// <summary>The video a swarm belongs to, or null when no published video has that swarm.</summary>
    public async ValueTask<SwarmVideo?> FindSwarmAsync(string swarmId, CancellationToken ct)
    {
        var snapshot = await CurrentAsync(s => s.Swarms.ContainsKey(swarmId), ct);
        return snapshot.Swarms.GetValueOrDefault(swarmId);
    }

    /// <summary>A published video that has swarms, by uuid.</summary>
    public async ValueTask<SwarmVideo?> FindVideoAsync(Guid uuid, CancellationToken ct)
    {
        var snapshot = await CurrentAsync(s => s.Videos.ContainsKey(uuid), ct);
        return snapshot.Videos.GetValueOrDefault(uuid);
    }

    private async ValueTask<Snapshot> CurrentAsync(Func<Snapshot, bool> hit, CancellationToken ct)
    {
        var snapshot = _snapshot;
        var now = clock.GetUtcNow();
        if (snapshot is not null && hit(snapshot) && now - snapshot.CheckedAt < HitRecheck)
        {
            return snapshot;
        }

        await _rebuild.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var signature = await SignatureAsync(db, ct);
            snapshot = _snapshot;
            if (snapshot is not null && snapshot.Signature == signature)
            {
                // Nothing changed: the miss is a stranger's id (or the hit is still right).
                _snapshot = snapshot with { CheckedAt = now };
                return snapshot;
            }

            snapshot = await BuildAsync(db, signature, now, ct);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _rebuild.Release();
        }
    }

    private static async Task<(int Count, DateTimeOffset Latest)> SignatureAsync(AppDbContext db, CancellationToken ct)
    {
        var published = db.Videos.AsNoTracking().Where(v => v.State == VideoState.Published);
        var count = await published.CountAsync(ct);
        var latest = await published.OrderByDescending(v => v.UpdatedAt).Select(v => v.UpdatedAt).FirstOrDefaultAsync(ct);
        return (count, latest);
    }

    private async Task<Snapshot> BuildAsync(AppDbContext db, (int, DateTimeOffset) signature, DateTimeOffset now, CancellationToken ct)
    {
        var rows = await db.Videos.AsNoTracking()
            .Where(v => v.State == VideoState.Published && v.StreamingPlaylist != null)
            .Select(v => new
            {
                v.Id, v.Uuid, v.Name, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId,
                Playlist = v.StreamingPlaylist!.PlaylistFilename,
                Files = v.StreamingPlaylist.Files.Count,
                v.StreamingPlaylist.LiveResolutions,
                v.IsLive,
                v.RemotePlaylistUrl,
            })
            .ToListAsync(ct);
        var swarms = new Dictionary<string, SwarmVideo>(StringComparer.Ordinal);
        var videos = new Dictionary<Guid, SwarmVideo>();
        foreach (var row in rows)
        {
            var video = new SwarmVideo(row.Id, row.Uuid, row.Name, row.Privacy, row.OwnerUserId);
            // A remote video's swarms are named after its origin's master playlist, as the origin names them: viewers
            // of it here share its segments among themselves.
            var master = urls.Hls(new Video { Name = row.Name, Uuid = row.Uuid, Privacy = row.Privacy, RemotePlaylistUrl = row.RemotePlaylistUrl },
                row.Playlist);
            foreach (var hash in SwarmIds.InfoHashes(master, SwarmIds.RenditionCount(row.IsLive, row.Files, row.LiveResolutions?.Count ?? 0)))
            {
                swarms[hash] = video;
            }

            videos[row.Uuid] = video;
        }

        return new Snapshot(swarms, videos, signature, now);
    }

    private sealed record Snapshot(
        IReadOnlyDictionary<string, SwarmVideo> Swarms,
        IReadOnlyDictionary<Guid, SwarmVideo> Videos,
        (int Count, DateTimeOffset Latest) Signature,
        DateTimeOffset CheckedAt);
}
