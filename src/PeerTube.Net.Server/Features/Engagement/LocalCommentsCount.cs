using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation.Discovery;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>NodeInfo's <c>localComments</c>: the comments written here and not deleted.</summary>
internal sealed class LocalCommentsCount(AppDbContext db) : INodeInfoPart
{
    public async Task AddToAsync(Dictionary<string, object?> usage, CancellationToken ct) =>
        usage["localComments"] = await db.VideoComments.CountAsync(c => c.Account!.Host == null && c.DeletedAt == null, ct);
}
