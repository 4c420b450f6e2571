namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>A like (+1) or dislike (-1) of a video by an account, local or remote.</summary>
public sealed class VideoRate
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public int AccountId { get; set; }
    public Account? Account { get; set; }
    public bool Like { get; set; }

    /// <summary>The id of the Like/Dislike activity.</summary>
    public required string Url { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A comment (ActivityPub Note) on a video, local or remote, possibly a reply to another.</summary>
public sealed class VideoComment
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public int AccountId { get; set; }
    public Account? Account { get; set; }
    public int? InReplyToCommentId { get; set; }
    public VideoComment? InReplyTo { get; set; }

    /// <summary>The top of the thread (itself for a thread's first comment once saved; null until then).</summary>
    public int? ThreadId { get; set; }

    /// <summary>The Note's id; ours are /videos/watch/{uuid}/comments/{id}.</summary>
    public string? Url { get; set; }
    public required string Text { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }

    /// <summary>
    /// On a video whose comments need approval (policy 3): seen only by its author, the video's owner and moderators,
    /// and not federated, until approved.
    /// </summary>
    public bool HeldForReview { get; set; }
}

/// <summary>
/// An automatic tag of a comment (PeerTube 6.2): from the watched words of the video owner's account
/// (<see cref="AccountId"/>) or of the instance (null), or a core tag. Owners see theirs, moderators the instance's.
/// </summary>
public sealed class CommentAutomaticTag
{
    public int Id { get; set; }
    public int CommentId { get; set; }
    public int? AccountId { get; set; }
    public required string Tag { get; set; }
}
