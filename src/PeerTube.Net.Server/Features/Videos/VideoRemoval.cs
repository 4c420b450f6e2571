namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// Removes a video, ours or a remote one: the features hear <see cref="IVideoEvents.DeletingAsync"/> (federation
/// tells followers), the row goes, then each feature deletes its own files on <see cref="IVideoEvents.DeletedAsync"/>.
/// Row first, files after: a crash in between leaves only unreferenced files.
/// </summary>
public sealed class VideoRemoval(AppDbContext db, IVideoEvents events)
{
    /// <param name="video">Loaded with its playlist and files (<see cref="VideoAccess.WithDetails"/>).</param>
    public async Task RemoveAsync(Video video, CancellationToken ct)
    {
        // What the features write on Deleting (federation's Deletes) commits with the removal, or not at all.
        await using (var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null)
        {
            await events.DeletingAsync(video, ct);
            db.Videos.Remove(video);
            await db.SaveChangesAsync(ct);
            if (transaction is not null)
            {
                await transaction.CommitAsync(ct);
            }
        }

        await events.DeletedAsync(video, ct);
    }
}
