using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>The videos that activities name: what an object id stands for here.</summary>
public sealed class ActivityVideos(AppDbContext db, IOptions<InstanceOptions> instance)
{
    /// <summary>A video of ours by its ActivityPub id (/videos/watch/{uuid}), or a remote one we hold by its id.</summary>
    public async Task<Video?> ByUrlAsync(string? url, CancellationToken ct)
    {
        if (url is null)
        {
            return null;
        }

        var prefix = instance.Value.Absolute("/videos/watch/");
        if (url.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParse(url[prefix.Length..].Split('/')[0], out var uuid))
        {
            return await db.Videos.FirstOrDefaultAsync(v => v.Uuid == uuid && v.RemoteUrl == null, ct);
        }

        return await db.Videos.FirstOrDefaultAsync(v => v.RemoteUrl == url, ct);
    }
}
