using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Playlists;

public enum PlaylistChange
{
    Created,
    Updated,

    /// <summary>Was public, is not any more: for the others it is gone.</summary>
    Hidden,
    Deleted,
}

/// <summary>
/// Tells the followers of a public playlist's channel (and of its account and the instance) about it: Create, Update,
/// Delete, as PeerTube does. Writes delivery rows only, on the caller's unit of work: the caller holds a transaction
/// around its change and this, so the announcement commits with the change or not at all.
/// </summary>
public sealed class PlaylistFederation(AppDbContext db, LocalActors local, Outbox outbox, PlaylistObjects objects, ActivityObjects activities,
    IOptions<InstanceOptions> instance, TimeProvider clock)
{
    public async Task AnnounceAsync(int playlistId, PlaylistChange change, CancellationToken ct)
    {
        var playlist = await db.VideoPlaylists.AsNoTracking().Include(p => p.Channel).FirstOrDefaultAsync(p => p.Id == playlistId && p.RemoteUrl == null, ct);
        if (playlist?.ChannelId is null)
        {
            return;
        }

        var isPublic = playlist.Privacy == PlaylistPrivacy.Public;
        if (change is PlaylistChange.Created or PlaylistChange.Updated && !isPublic)
        {
            return;
        }

        if (change == PlaylistChange.Deleted && !isPublic)
        {
            return; // Never announced, nothing to take back.
        }

        var channel = await local.ForChannelAsync(playlist.ChannelId.Value, ct);
        var account = await local.ForAccountAsync(playlist.OwnerAccountId, ct);
        if (channel is null || account is null)
        {
            return;
        }

        var instanceActor = await local.InstanceActorAsync(ct);
        var inboxes = await outbox.FollowerInboxesAsync([channel.Id, account.Id, instanceActor.Id], ct);
        if (inboxes.Count == 0)
        {
            return;
        }

        var url = PlaylistDtos.Url(playlist, instance.Value);
        JsonObject activity = change switch
        {
            PlaylistChange.Created => activities.Activity("Create", url + "/activity", account.Url, await objects.PlaylistAsync(playlist, withContext: false, ct),
                channel.FollowersUrl, account.FollowersUrl),
            PlaylistChange.Updated => activities.Activity("Update", $"{url}/updates/{clock.GetUtcNow().ToUnixTimeMilliseconds()}", account.Url,
                await objects.PlaylistAsync(playlist, withContext: false, ct), channel.FollowersUrl, account.FollowersUrl),
            _ => activities.Activity("Delete", $"{url}/delete/{clock.GetUtcNow().ToUnixTimeMilliseconds()}", account.Url, JsonValue.Create(url),
                channel.FollowersUrl, account.FollowersUrl),
        };
        await outbox.SendAsync(account, activity, inboxes, ct);
    }
}
