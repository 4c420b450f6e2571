using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Moderation.Log;
using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

/// <summary>
/// Adding and removing blocks, the instance's (<c>byUserId</c> null) or a user's, each with its log line in the same
/// transaction. When the instance blocks a host, the follows between us and that host go too, so nothing more is
/// delivered to it or expected from it.
/// </summary>
public sealed class Blocklists(AppDbContext db, ModerationLog moderationLog, IOptions<InstanceOptions> instance, TimeProvider clock)
{
    /// <summary>A host as actors keep it ("host" or "host:port", lower case), or null when it is not one.</summary>
    public static string? NormalizeHost(string? value)
    {
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > 255 || text.Contains('/') || text.Contains('@')
            || !Uri.TryCreate("https://" + text, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        var host = uri.Host.ToLowerInvariant();
        return uri.IsDefaultPort && !text.EndsWith(":443", StringComparison.Ordinal) ? host : $"{host}:{uri.Port}";
    }

    /// <returns>False when the block was already there.</returns>
    public async Task<bool> BlockAccountAsync(int? byUserId, Account target, int? subscriptionId, CancellationToken ct)
    {
        if (await db.AccountBlocks.AnyAsync(b => b.ByUserId == byUserId && b.TargetAccountId == target.Id, ct))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        db.AccountBlocks.Add(new AccountBlock { ByUserId = byUserId, TargetAccountId = target.Id, SubscriptionId = subscriptionId, CreatedAt = now });
        Log(byUserId, "add", FullHandle(target), subscriptionId, now);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <returns>False when there was no such block.</returns>
    public async Task<bool> UnblockAccountAsync(int? byUserId, Account target, int? onlyFromSubscription, CancellationToken ct)
    {
        var block = await db.AccountBlocks.FirstOrDefaultAsync(b => b.ByUserId == byUserId && b.TargetAccountId == target.Id
            && (onlyFromSubscription == null || b.SubscriptionId == onlyFromSubscription), ct);
        if (block is null)
        {
            return false;
        }

        db.AccountBlocks.Remove(block);
        Log(byUserId, "delete", FullHandle(target), block.SubscriptionId, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <returns>False when the block was already there.</returns>
    public async Task<bool> BlockServerAsync(int? byUserId, string host, int? subscriptionId, CancellationToken ct)
    {
        if (await db.ServerBlocks.AnyAsync(b => b.ByUserId == byUserId && b.Host == host, ct))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ServerBlocks.Add(new ServerBlock { ByUserId = byUserId, Host = host, SubscriptionId = subscriptionId, CreatedAt = now });
        Log(byUserId, "add", host, subscriptionId, now);
        await db.SaveChangesAsync(ct);
        if (byUserId is null)
        {
            // The instance no longer talks to that host: no follow either way survives the block.
            await db.ActorFollows.Where(f => f.Follower!.Host == host || f.Target!.Host == host).ExecuteDeleteAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return true;
    }

    /// <returns>False when there was no such block.</returns>
    public async Task<bool> UnblockServerAsync(int? byUserId, string host, int? onlyFromSubscription, CancellationToken ct)
    {
        var block = await db.ServerBlocks.FirstOrDefaultAsync(b => b.ByUserId == byUserId && b.Host == host
            && (onlyFromSubscription == null || b.SubscriptionId == onlyFromSubscription), ct);
        if (block is null)
        {
            return false;
        }

        db.ServerBlocks.Remove(block);
        Log(byUserId, "delete", host, block.SubscriptionId, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Whether the instance refuses to hear from <paramref name="actor"/>: its host or its account is blocked.</summary>
    public Task<bool> InstanceBlocksAsync(Actor actor, CancellationToken ct) => AnyAsync(actor.Host, actor.AccountId, actor.ChannelId, ct);

    private async Task<bool> AnyAsync(string? host, int? accountId, int? channelId, CancellationToken ct)
    {
        if (await db.ServerBlocks.AnyAsync(b => b.ByUserId == null && b.Host == host, ct))
        {
            return true;
        }

        if (channelId is not null)
        {
            accountId ??= await db.VideoChannels.Where(c => c.Id == channelId).Select(c => (int?)c.AccountId).FirstOrDefaultAsync(ct);
        }

        return accountId is not null && await db.AccountBlocks.AnyAsync(b => b.ByUserId == null && b.TargetAccountId == accountId, ct);
    }

    /// <summary>name@host, ours with our host: how blocklists name an account.</summary>
    public string FullHandle(Account account) => account.IsLocal ? $"{account.Name}@{instance.Value.Host}" : account.Name;

    private void Log(int? byUserId, string action, string target, int? subscriptionId, DateTimeOffset now)
    {
        db.BlocklistLog.Add(new BlocklistLogEntry
        {
            ByUserId = byUserId, Action = action, Target = target, SubscriptionId = subscriptionId, AutomaticallyCreated = subscriptionId is not null, CreatedAt = now,
        });
        if (byUserId is null)
        {
            // The instance's blocks are moderation; a user's own mutes are theirs alone and stay out of the moderation log.
            moderationLog.RecordCurrent(action == "add" ? "blocklist-add" : "blocklist-remove", target,
                subscriptionId is null ? null : $"from blocklist subscription {subscriptionId}");
        }
    }
}
