using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Uploads;

/// <summary>A removed user's unfinished resumable uploads go with them: rows, then files.</summary>
internal sealed class UploadsUserRemoval(AppDbContext db, StoragePaths paths) : IUserRemovalHandler
{
    public async Task RemovingAsync(int userId, CancellationToken ct)
    {
        var uploads = await db.ResumableUploads.Where(u => u.UserId == userId).ToListAsync(ct);
        db.ResumableUploads.RemoveRange(uploads);
        await db.SaveChangesAsync(ct);
        foreach (var upload in uploads)
        {
            StorageFiles.DeleteFile(Path.Combine(paths.ResumableUploads, upload.Id));
        }
    }
}
