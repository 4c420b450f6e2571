namespace PeerTube.Net.Server.Features.Federation;

public enum ActorType
{
    Application,
    Person,
    Group,
}

/// <summary>
/// An ActivityPub actor, ours or remote: the instance (Application), an account (Person) or a channel (Group).
/// Ours carry a private key, made once; remote ones are a cache of their document, refreshed when a signature fails.
/// </summary>
public sealed class Actor
{
    public int Id { get; set; }
    public ActorType Type { get; set; }
    public required string PreferredUsername { get; set; }

    /// <summary>The ActivityPub id, unique.</summary>
    public required string Url { get; set; }

    /// <summary>Null for our own actors; "host" or "host:port" for remote ones.</summary>
    public string? Host { get; set; }

    public required string InboxUrl { get; set; }
    public string? SharedInboxUrl { get; set; }
    public string? OutboxUrl { get; set; }
    public string? FollowersUrl { get; set; }
    public string? FollowingUrl { get; set; }

    public required string KeyId { get; set; }
    public required string PublicKeyPem { get; set; }
    public string? PrivateKeyPem { get; set; }

    public string? DisplayName { get; set; }
    public string? Summary { get; set; }
    public string? IconUrl { get; set; }

    /// <summary>Where a person reads it (the profile page), when it differs from the id.</summary>
    public string? ProfileUrl { get; set; }

    public int? AccountId { get; set; }
    public Account? Account { get; set; }
    public int? ChannelId { get; set; }
    public VideoChannel? Channel { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FetchedAt { get; set; }

    public bool IsLocal => Host is null;

    /// <summary>Where deliveries for this actor go: its shared inbox when it has one, so one POST serves many followers.</summary>
    public string DeliveryInbox => SharedInboxUrl ?? InboxUrl;
}

public enum FollowState
{
    Pending,
    Accepted,
    Rejected,
}

/// <summary>One actor following another (PeerTube's ActorFollow): instance to instance, or anyone to a channel.</summary>
public sealed class ActorFollow
{
    public int Id { get; set; }
    public int FollowerId { get; set; }
    public Actor? Follower { get; set; }
    public int TargetId { get; set; }
    public Actor? Target { get; set; }
    public FollowState State { get; set; }

    /// <summary>The id of the Follow activity, echoed in Accept, Reject and Undo.</summary>
    public required string ActivityUrl { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public enum DeliveryState
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>
/// One signed POST of one activity to one inbox. The row is the truth: the worker takes it, posts it, and either marks it
/// delivered or moves <see cref="NextAttemptAt"/> on, so deliveries survive restarts and a partner's outage.
/// </summary>
public sealed class Delivery
{
    public long Id { get; set; }
    public int SenderActorId { get; set; }
    public Actor? Sender { get; set; }
    public required string InboxUrl { get; set; }
    public required string ActivityJson { get; set; }
    public DeliveryState State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
}

/// <summary>An inbox host we have failed to reach: skipped once dead, forgiven on its first success or on a message from it.</summary>
public sealed class UnreachableHost
{
    public required string Host { get; set; }
    public DateTimeOffset FailingSince { get; set; }
    public bool Dead { get; set; }
}

/// <summary>
/// An activity that came in with a valid signature, waiting for (or done with) its processing job. Its id makes a
/// replay or a duplicate delivery a no-op.
/// </summary>
public sealed class InboxActivity
{
    public long Id { get; set; }
    public required string ActivityId { get; set; }
    public required string Type { get; set; }
    public required string ActorUrl { get; set; }
    public required string Json { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? Error { get; set; }
}
