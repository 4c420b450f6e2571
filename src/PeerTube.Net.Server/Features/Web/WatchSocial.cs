using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Engagement;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>
/// The social parts of the watch page (docs/web-contract.md): rating, subscription, share and report, the comment
/// threads the viewer may see, and more from the channel. Read here, written by the page's script through the API.
/// </summary>
public sealed record WatchSocialModel(
    int VideoId,
    string ShortUuid,
    string WatchUrl,
    string EmbedUrl,
    long Likes,
    long Dislikes,
    string? MyRating,
    string ChannelHandle,
    bool? Subscribed,
    bool OwnVideo,
    int CommentsPolicy,
    bool MayModerate,
    int TotalComments,
    IReadOnlyList<CommentNode> Threads,
    IReadOnlyList<VideoCard> MoreFromChannel)
{
    /// <summary>Threads shown on the page, newest first; the API pages through the rest.</summary>
    public const int MaxThreads = 50;

    public const int MaxMore = 8;

    public static async Task<WatchSocialModel> LoadAsync(AppDbContext db, Video video, ClaimsPrincipal viewer, InstanceOptions instance, Markdown markdown,
        IMutedAccounts muted, IBlockedVideos blocked, string channelHandle, CancellationToken ct)
    {
        var me = viewer.UserId();
        var myAccountId = me is null ? null : await db.Accounts.AsNoTracking().Where(a => a.UserId == me).Select(a => (int?)a.Id).FirstOrDefaultAsync(ct);
        var myRating = myAccountId is null
            ? null
            : await db.VideoRates.AsNoTracking().Where(r => r.VideoId == video.Id && r.AccountId == myAccountId)
                .Select(r => r.Like ? "like" : "dislike").FirstOrDefaultAsync(ct) ?? "none";

        bool? subscribed = null;
        if (myAccountId is { } accountId)
        {
            subscribed = await db.ActorFollows.AsNoTracking().AnyAsync(f => f.Follower!.AccountId == accountId && f.Follower.Host == null
                                                                            && f.Target!.ChannelId == video.ChannelId && f.State != FollowState.Rejected, ct);
        }

        var mayModerate = CommentsApi.MayModerate(video, viewer);
        var mutedIds = muted.For(me);
        var comments = CommentsApi.Visible(db.VideoComments.AsNoTracking().Where(c => c.VideoId == video.Id && !mutedIds.Contains(c.AccountId)), video, viewer);
        var threadIds = await comments.Where(c => c.InReplyToCommentId == null)
            .Where(c => c.DeletedAt == null || comments.Any(r => r.ThreadId == c.Id && r.Id != c.Id && r.DeletedAt == null))
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Select(c => c.Id).Take(MaxThreads).ToListAsync(ct);
        var rows = await comments.Where(c => threadIds.Contains(c.Id) || (c.ThreadId != null && threadIds.Contains(c.ThreadId.Value)))
            .Include(c => c.Account).OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var total = await comments.CountAsync(c => c.DeletedAt == null, ct);
        var children = rows.Where(c => c.InReplyToCommentId != null).ToLookup(c => c.InReplyToCommentId);
        CommentNode Node(VideoComment c) => new(
            c.Id,
            c.DeletedAt is null ? c.Account?.DisplayName ?? "" : "",
            c.DeletedAt is null && c.Account is { } a ? (a.IsLocal ? $"{a.Name}@{instance.Host}" : a.Name) : "",
            c.DeletedAt is not null ? "" : c.Account?.IsLocal == true ? markdown.ToHtml(c.Text) : markdown.SanitizeHtml(c.Text),
            c.CreatedAt,
            c.DeletedAt is not null,
            c.HeldForReview,
            MayDelete: c.DeletedAt is null && me is not null && (mayModerate || c.Account?.UserId == me),
            children[c.Id].Select(Node).ToList());
        var threads = threadIds.Select(id => rows.First(r => r.Id == id)).Select(Node).ToList();

        var more = await db.Videos.AsNoTracking()
            .Where(v => v.ChannelId == video.ChannelId && v.Id != video.Id && v.Privacy == VideoPrivacy.Public && v.State == VideoState.Published)
            .NotMutedFor(muted, viewer).NotBlockedFor(blocked, viewer)
            .OrderByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id).Take(MaxMore).Include(v => v.Channel).ToListAsync(ct);

        var shortUuid = Videos.ShortUuid.FromGuid(video.Uuid);
        return new WatchSocialModel(video.Id, shortUuid, instance.Absolute($"/w/{shortUuid}"), instance.Absolute($"/videos/embed/{video.Uuid}"),
            video.Likes, video.Dislikes, myRating, channelHandle, subscribed, video.IsLocal && video.Channel!.Account!.UserId == me && me is not null,
            video.CommentsPolicy, mayModerate, total, threads, more.Select(VideoCard.From).ToList());
    }
}

/// <summary>A comment on the watch page, with its replies; a deleted one keeps its place without text or author.</summary>
public sealed record CommentNode(int Id, string AuthorName, string AuthorHandle, string Html, DateTimeOffset CreatedAt, bool IsDeleted, bool HeldForReview,
    bool MayDelete, IReadOnlyList<CommentNode> Replies);
