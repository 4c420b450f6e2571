using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Engagement;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Moderation;

public enum AbuseState
{
    Pending = 1,
    Rejected = 2,
    Accepted = 3,
}

/// <summary>
/// A report (PeerTube's abuse) of a video, a comment or an account, made here or received as a Flag from another
/// instance. Reports of remote content are also sent to its origin, whose moderators decide.
/// </summary>
public sealed class Abuse
{
    public int Id { get; set; }
    public required string Reason { get; set; }

    /// <summary>PeerTube's predefined reasons (violentOrRepulsive, spamOrMisleading, …), comma-separated.</summary>
    public string PredefinedReasons { get; set; } = "";

    public int? ReporterAccountId { get; set; }
    public Account? ReporterAccount { get; set; }

    public int? VideoId { get; set; }
    public Video? Video { get; set; }
    public int? CommentId { get; set; }
    public VideoComment? Comment { get; set; }
    public int FlaggedAccountId { get; set; }
    public Account? FlaggedAccount { get; set; }

    /// <summary>Seconds into the video the report is about, as PeerTube's client sends them.</summary>
    public int? StartAt { get; set; }
    public int? EndAt { get; set; }

    public AbuseState State { get; set; } = AbuseState.Pending;
    public string? ModerationComment { get; set; }

    /// <summary>The Flag's id for a received report (unique, so a replay is a no-op); null for ours.</summary>
    public string? RemoteUrl { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
