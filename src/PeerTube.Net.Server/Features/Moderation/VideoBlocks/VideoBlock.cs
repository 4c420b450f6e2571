namespace PeerTube.Net.Server.Features.Moderation.VideoBlocks;

/// <summary>PeerTube's VideoBlacklistType: set by a moderator, or by the instance on upload until a moderator lets it through.</summary>
public enum VideoBlockType
{
    Manual = 1,
    AutoBeforePublished = 2,
}

/// <summary>
/// A video a moderator took out of view (PeerTube's video blacklist): it leaves every list and page, and only its owner
/// and the moderators still see it. <see cref="Unfederated"/>: the followers were told it is gone (local videos only).
/// </summary>
public sealed class VideoBlock
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public string? Reason { get; set; }
    public bool Unfederated { get; set; }
    public VideoBlockType Type { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
