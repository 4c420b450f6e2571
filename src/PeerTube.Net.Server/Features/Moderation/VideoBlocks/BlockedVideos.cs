using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Moderation.VideoBlocks;

/// <summary>What <see cref="IBlockedVideos"/> says, from <see cref="VideoBlock"/> rows.</summary>
internal sealed class BlockedVideos(AppDbContext db, CustomConfigStore config, TimeProvider clock) : IBlockedVideos
{
    public IQueryable<int> Ids() => db.Set<VideoBlock>().Select(b => b.VideoId);

    public Task<VideoBlockInfo?> FindAsync(int videoId, CancellationToken ct) =>
        db.Set<VideoBlock>().AsNoTracking().Where(b => b.VideoId == videoId)
            .Select(b => new VideoBlockInfo(b.Reason, b.Unfederated)).FirstOrDefaultAsync(ct);

    /// <summary>
    /// PeerTube's auto-blacklist: with <c>autoBlacklist.videos.ofUsers.enabled</c>, a plain user's upload waits for a
    /// moderator, unfederated (its followers hear of it when it is let through). Moderators and administrators bypass it.
    /// </summary>
    public async Task HoldIfNeededAsync(Video video, CancellationToken ct)
    {
        if (!config.Flag("autoBlacklist", "videos", "ofUsers", "enabled"))
        {
            return;
        }

        // Moderators and administrators bypass it, and so does a user an administrator gave PeerTube's adminFlags bit 1
        // (BYPASS_VIDEO_AUTO_BLACKLIST).
        var users = db.Set<User>();
        var owner = await db.VideoChannels.Where(c => c.Id == video.ChannelId)
            .Select(c => users.Where(u => u.Id == c.Account!.UserId).Select(u => new { u.Role, u.AdminFlags }).FirstOrDefault()).FirstOrDefaultAsync(ct);
        if (owner is null || owner.Role != UserRole.User || (owner.AdminFlags & 1) != 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.Set<VideoBlock>().Add(new VideoBlock
        {
            Video = video, Type = VideoBlockType.AutoBeforePublished, Unfederated = true, CreatedAt = now, UpdatedAt = now,
        });
    }
}

/// <summary>PeerTube's <c>blacklisted</c> and <c>blacklistedReason</c>, for those who may see a blocked video.</summary>
internal sealed class VideoBlockDetailsPart(IBlockedVideos blocked) : IVideoDetailsPart
{
    public async Task AddToAsync(VideoDetails details, CancellationToken ct)
    {
        var block = await blocked.FindAsync(details.Video.Id, ct);
        details.Json["blacklisted"] = block is not null;
        details.Json["blacklistedReason"] = block?.Reason;
    }
}
