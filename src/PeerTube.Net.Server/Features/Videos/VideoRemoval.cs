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
        await events.DeletingAsync(video, ct);
        db.Videos.Remove(video);
        await db.SaveChangesAsync(ct);
        await events.DeletedAsync(video, ct);
    }
}
