using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

/// <summary>
/// An account muted by the instance (<see cref="ByUserId"/> null: PeerTube's server blocklist) or by one user (their own
/// blocklist). Muted content disappears from the lists of whoever muted it; the instance's mutes also close its inbox.
/// </summary>
public sealed class AccountBlock
{
    public int Id { get; set; }
    public int? ByUserId { get; set; }
    public int TargetAccountId { get; set; }
    public Account? TargetAccount { get; set; }

    /// <summary>The subscribed list this entry came from; null when a person added it.</summary>
    public int? SubscriptionId { get; set; }
    public BlocklistSubscription? Subscription { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A whole remote host muted by the instance or by one user (see <see cref="AccountBlock"/>).</summary>
public sealed class ServerBlock
{
    public int Id { get; set; }
    public int? ByUserId { get; set; }

    /// <summary>"host" or "host:port", lower case, as actors' hosts are kept.</summary>
    public required string Host { get; set; }
    public int? SubscriptionId { get; set; }
    public BlocklistSubscription? Subscription { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// Append-only history of the instance's blocklist (PeerTube's blocklistLog): what was blocked or unblocked, when, and
/// whether a subscription did it. Its public part is the list other instances subscribe to.
/// </summary>
public sealed class BlocklistLogEntry
{
    public long Id { get; set; }
    public int? ByUserId { get; set; }

    /// <summary>"add" or "delete".</summary>
    public required string Action { get; set; }

    /// <summary>A host, or an account's full handle (name@host).</summary>
    public required string Target { get; set; }
    public int? SubscriptionId { get; set; }
    public bool AutomaticallyCreated { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>PeerTube's blocklist subscription states (the channel-sync states).</summary>
public enum BlocklistSyncState
{
    WaitingFirstRun = 1,
    Processing = 2,
    Synced = 3,
    Failed = 4,
}

/// <summary>
/// Another blocklist the instance follows: PeerTube's public blocklist log (<c>/api/v1/server/blocklist/public-log</c>)
/// of another instance, or any URL answering the same <c>{ name, actions: [{ type, target, createdAt }] }</c>. A job
/// reads it and applies its entries as server-level blocks marked with it.
/// </summary>
public sealed class BlocklistSubscription
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string Url { get; set; }
    public DateTimeOffset? LastSyncAt { get; set; }

    /// <summary>The newest action read, so the next refresh asks only for what came after (startDate).</summary>
    public DateTimeOffset? LastActionCreatedAt { get; set; }
    public BlocklistSyncState State { get; set; } = BlocklistSyncState.WaitingFirstRun;
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
