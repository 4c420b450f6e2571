using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// Every user's "Watch later" list (PeerTube's type 2): private, undeletable, one per account. Made on first need (the
/// owner listing their playlists, asking which lists hold a video, opening their library), so users older than the
/// feature get theirs too.
/// </summary>
internal static class WatchLater
{
    public const string DisplayName = "Watch later";

    public static async Task EnsureAsync(AppDbContext db, int accountId, TimeProvider clock, CancellationToken ct)
    {
        if (await db.VideoPlaylists.AnyAsync(p => p.OwnerAccountId == accountId && p.Type == PlaylistType.WatchLater, ct))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.VideoPlaylists.Add(new VideoPlaylist
        {
            Uuid = Guid.NewGuid(),
            Name = DisplayName,
            Privacy = PlaylistPrivacy.Private,
            Type = PlaylistType.WatchLater,
            OwnerAccountId = accountId,
            CreatedAt = now,
            UpdatedAt = now,
        });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two first requests at once: the other one made it.
            db.ChangeTracker.Clear();
        }
    }
}
