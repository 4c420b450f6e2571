using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>
/// Who hears about something that happened to a video, the way PeerTube routes it: for one of ours, every remote
/// follower of its channel, its account and the instance; for a remote one, its origin (the owner's inbox), which is
/// the instance that keeps the count.
/// </summary>
public sealed class VideoAudience(AppDbContext db, LocalActors local, Outbox outbox)
{
    public async Task<List<string>> InboxesAsync(Video video, CancellationToken ct)
    {
        if (video.IsLocal)
        {
            var (_, _, inboxes) = await OfLocalAsync(video, ct);
            return inboxes;
        }

        var channelId = video.ChannelId;
        var accountId = await db.VideoChannels.Where(c => c.Id == channelId).Select(c => c.AccountId).FirstAsync(ct);
        var origin = await db.Actors.AsNoTracking()
            .Where(a => a.Host != null && (a.AccountId == accountId || a.ChannelId == channelId))
            .OrderBy(a => a.AccountId == null) // the account first
            .Select(a => a.SharedInboxUrl ?? a.InboxUrl)
            .FirstOrDefaultAsync(ct);
        return origin is null ? [] : [origin];
    }

    /// <summary>One of our videos: its account (the sender), its channel, and the inboxes of all their followers and the instance's.</summary>
    public async Task<(Actor Account, Actor Channel, List<string> Inboxes)> OfLocalAsync(Video video, CancellationToken ct)
    {
        var channel = await local.ForChannelAsync(video.ChannelId, ct) ?? throw new InvalidOperationException($"Channel {video.ChannelId} is gone.");
        var accountId = video.Channel?.AccountId ?? await db.VideoChannels.Where(c => c.Id == video.ChannelId).Select(c => c.AccountId).FirstAsync(ct);
        var account = await local.ForAccountAsync(accountId, ct) ?? throw new InvalidOperationException($"Account {accountId} is gone.");
        var instanceActor = await local.InstanceActorAsync(ct);
        var inboxes = await outbox.FollowerInboxesAsync([channel.Id, account.Id, instanceActor.Id], ct);
        return (account, channel, inboxes);
    }

    /// <summary>The inbox of a remote account (the author of a comment replied to), or null for ours.</summary>
    public async Task<string?> InboxOfAccountAsync(int accountId, CancellationToken ct) =>
        await db.Actors.AsNoTracking().Where(a => a.AccountId == accountId && a.Host != null)
            .Select(a => a.SharedInboxUrl ?? a.InboxUrl).FirstOrDefaultAsync(ct);
}
