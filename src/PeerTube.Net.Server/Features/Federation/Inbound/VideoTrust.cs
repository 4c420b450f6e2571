using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Who may say what about a remote video (PeerTube's checks in process-create/update/delete, made stricter):
/// <list type="bullet">
/// <item>Only the video's channel, the account the channel belongs to, or the instance actor of the channel's host
/// speaks for a video; any other actor on the same host does not, even one listed in its attributedTo.</item>
/// <item>A Create, Update or Announce is taken only from what we follow: one of our actors has an accepted follow of the
/// channel, of its account or of its instance (of the announcer, for an Announce). A pending follow counts as none.</item>
/// <item>An Update or a Delete must also come from who owns the video as we store it, so a video cannot be moved into a
/// channel its signer does not speak for.</item>
/// </list>
/// </summary>
public sealed class VideoTrust(AppDbContext db, RemoteActors actors)
{
    /// <summary>Null when <paramref name="signer"/> may create or change the video <paramref name="obj"/> describes; otherwise why not.</summary>
    public async Task<string?> MayWriteAsync(JsonElement obj, Actor signer, CancellationToken ct)
    {
        var channelUrl = obj.Items("attributedTo").Where(a => a.Type() == "Group").Select(ActivityJson.IdOf).FirstOrDefault(u => u is not null);
        if (channelUrl is null || ActivityJson.HostOf(channelUrl) != signer.Host)
        {
            return "the video has no channel on its signer's host";
        }

        var channel = await actors.GetAsync(channelUrl, refresh: false, ct);
        if (channel?.ChannelId is null || channel.IsLocal)
        {
            return "the video's channel could not be fetched";
        }

        if (!await SpeaksForAsync(signer, channel, ct))
        {
            return "the signer is neither the video's channel, nor its account, nor its instance";
        }

        if (obj.String("id") is { } url
            && await db.Videos.AsNoTracking().Where(v => v.RemoteUrl == url).Select(v => (int?)v.ChannelId).FirstOrDefaultAsync(ct) is { } storedChannelId
            && storedChannelId != channel.ChannelId)
        {
            var stored = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.ChannelId == storedChannelId, ct);
            if (stored is null || !await SpeaksForAsync(signer, stored, ct))
            {
                return "the signer does not own the video it changes";
            }
        }

        return await FollowedAsync(channel, ct) ? null : "we follow neither the video's channel, nor its account, nor its instance";
    }

    /// <summary>Null when <paramref name="signer"/> may delete the stored remote video <paramref name="video"/>.</summary>
    public async Task<string?> MayDeleteAsync(Video video, Actor signer, CancellationToken ct)
    {
        var channel = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.ChannelId == video.ChannelId, ct);
        return channel is not null && await SpeaksForAsync(signer, channel, ct) ? null : "only the video's owner may delete it";
    }

    /// <summary>Whether <paramref name="signer"/> is the channel <paramref name="channel"/>, its account, or its host's instance actor.</summary>
    public async Task<bool> SpeaksForAsync(Actor signer, Actor channel, CancellationToken ct)
    {
        if (signer.IsLocal || signer.Host != channel.Host)
        {
            return false;
        }

        if (signer.Url == channel.Url || signer.Type == ActorType.Application)
        {
            return true;
        }

        return signer.AccountId is { } accountId && channel.ChannelId is { } channelId
               && await db.VideoChannels.AnyAsync(c => c.Id == channelId && c.AccountId == accountId, ct);
    }

    /// <summary>
    /// Whether one of our actors has an accepted follow of <paramref name="actor"/>, of its account (when it is a
    /// channel), or of its host's instance actor.
    /// </summary>
    public async Task<bool> FollowedAsync(Actor actor, CancellationToken ct)
    {
        var ownerAccountId = actor.ChannelId is { } channelId
            ? await db.VideoChannels.Where(c => c.Id == channelId).Select(c => (int?)c.AccountId).FirstOrDefaultAsync(ct)
            : actor.AccountId;
        var host = actor.Host;
        return await db.ActorFollows.AnyAsync(f => f.State == FollowState.Accepted && f.Follower!.Host == null
                                                 && (f.TargetId == actor.Id
                                                     || (ownerAccountId != null && f.Target!.AccountId == ownerAccountId)
                                                     || (f.Target!.Type == ActorType.Application && f.Target.Host == host)), ct);
    }
}
