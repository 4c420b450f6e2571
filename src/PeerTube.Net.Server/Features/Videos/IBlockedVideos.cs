namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// Videos a moderator blocked (PeerTube's blacklist), by hand or automatically on upload. The moderation feature answers
/// it; lists leave these videos out and the video routes show them only to their owner and the moderators.
/// </summary>
public interface IBlockedVideos
{
    /// <summary>Ids of the blocked videos, as a query to use inside another (<c>!blocked.Contains(v.Id)</c>).</summary>
    IQueryable<int> Ids();

    /// <summary>The block on a video, or null when it is not blocked.</summary>
    Task<VideoBlockInfo?> FindAsync(int videoId, CancellationToken ct);

    /// <summary>
    /// Called for a new upload (its channel set) before its first save: when the instance holds new users' videos for review, adds the
    /// block to the same unit of work, so the video is never listed or federated before a moderator lets it through.
    /// </summary>
    Task HoldIfNeededAsync(Video video, CancellationToken ct);
}

/// <summary>What a viewer allowed to see a blocked video learns of its block.</summary>
public sealed record VideoBlockInfo(string? Reason, bool Unfederated);
