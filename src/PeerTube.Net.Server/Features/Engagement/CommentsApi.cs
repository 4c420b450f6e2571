using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>
/// PeerTube's comment threads: list the threads of a video, read one as a tree, start one, reply, delete. Comments on
/// a remote video go to its origin; comments on ours go to our followers.
/// </summary>
internal static class CommentsApi
{
    public const int MaxTextLength = 10_000;

    private static readonly HashSet<string> SortColumns = ["createdAt", "totalReplies"];

    public static async Task<Results<Ok<CommentThreadsPage>, BadRequestProblem, NotFoundProblem>> ListThreadsAsync(string id, HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        IMutedAccounts muted, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var video = await ViewableAsync(db, id, principal, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var page = ListQuery.Read(request, SortColumns, "-createdAt");
        // Comments of accounts muted for the viewer (by the instance or by them) are not shown.
        var mutedIds = muted.For(principal.UserId());
        var comments = Visible(db.VideoComments.AsNoTracking().Where(c => c.VideoId == video.Id && !mutedIds.Contains(c.AccountId)), video, principal);
        // A deleted thread stays listed while it has replies, as PeerTube shows it ("deleted comment").
        var threads = comments.Where(c => c.InReplyToCommentId == null
                                          && (c.DeletedAt == null || comments.Any(r => r.ThreadId == c.Id && r.Id != c.Id && r.DeletedAt == null)));
        var total = await threads.CountAsync(ct);
        var notDeleted = await comments.CountAsync(c => c.DeletedAt == null, ct);
        var ordered = (page.Column, page.Descending) switch
        {
            ("totalReplies", true) => threads.OrderByDescending(c => comments.Count(r => r.ThreadId == c.Id && r.Id != c.Id)).ThenByDescending(c => c.Id),
            ("totalReplies", false) => threads.OrderBy(c => comments.Count(r => r.ThreadId == c.Id && r.Id != c.Id)).ThenBy(c => c.Id),
            (_, true) => threads.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
            _ => threads.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        };
        var rows = await ordered.Skip(page.Start).Take(page.Count).Include(c => c.Account).ToListAsync(ct);
        var threadIds = rows.Select(r => r.Id).ToList();
        var replies = await comments.Where(r => r.ThreadId != null && threadIds.Contains(r.ThreadId.Value) && r.Id != r.ThreadId && r.DeletedAt == null)
            .GroupBy(r => r.ThreadId!.Value)
            .Select(g => new { ThreadId = g.Key, Count = g.Count(), FromAuthor = g.Count(r => r.AccountId == video.Channel!.AccountId) })
            .ToDictionaryAsync(g => g.ThreadId, ct);
        return TypedResults.Ok(new CommentThreadsPage(total, notDeleted, rows.Select(c => CommentDtos.Comment(c, video, instance.Value,
            replies.GetValueOrDefault(c.Id)?.Count ?? 0, replies.GetValueOrDefault(c.Id)?.FromAuthor ?? 0)).ToList()));
    }

    /// <summary>PeerTube's VideoCommentThreadTree: { comment, hasMoreChildren, children: [ { comment, children } ] }.</summary>
    public static async Task<Results<Ok<CommentThreadTree>, NotFoundProblem>> GetThreadAsync(string id, int threadId, ClaimsPrincipal principal, AppDbContext db,
        IMutedAccounts muted, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var video = await ViewableAsync(db, id, principal, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var mutedIds = muted.For(principal.UserId());
        var all = await Visible(db.VideoComments.AsNoTracking().Include(c => c.Account), video, principal)
            .Where(c => c.VideoId == video.Id && (c.Id == threadId || c.ThreadId == threadId) && !mutedIds.Contains(c.AccountId))
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).ToListAsync(ct);
        var root = all.FirstOrDefault(c => c.Id == threadId && c.InReplyToCommentId == null);
        if (root is null)
        {
            return ApiProblem.NotFound("Video comment thread not found.");
        }

        var children = all.Where(c => c.Id != root.Id).ToLookup(c => c.InReplyToCommentId);
        CommentThreadTree Tree(VideoComment c) =>
            new(CommentDtos.Comment(c, video, instance.Value, children[c.Id].Count(), 0), HasMoreChildren: false, children[c.Id].Select(Tree).ToList());
        return TypedResults.Ok(Tree(root));
    }

    /// <summary>
    /// PeerTube's GET /api/v1/videos/comments: the comments on every local video for moderators (with the instance's
    /// automatic tags), on the caller's videos for others (with their account's tags), newest first;
    /// <c>isHeldForReview</c>, <c>videoId</c> and <c>autoTagOneOf</c> narrow it, as a review queue.
    /// </summary>
    public static Task<Ok<ListPage<CommentForOwnerDto>>> ListOnMyVideosAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        IOptions<InstanceOptions> instance, CancellationToken ct) =>
        ListForReviewAsync(request, principal, db, instance.Value, asModerator: principal.IsModeratorOrAdmin(), ct);

    /// <summary>PeerTube's GET /api/v1/users/me/videos/comments: the comments on the caller's own videos, with their account's tags.</summary>
    public static Task<Ok<ListPage<CommentForOwnerDto>>> ListOnOwnVideosAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        IOptions<InstanceOptions> instance, CancellationToken ct) =>
        ListForReviewAsync(request, principal, db, instance.Value, asModerator: false, ct);

    private static async Task<Ok<ListPage<CommentForOwnerDto>>> ListForReviewAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        InstanceOptions instance, bool asModerator, CancellationToken ct)
    {
        var me = principal.UserId();
        var page = ListQuery.Read(request, CreatedAtOnly, "-createdAt");
        var query = db.VideoComments.AsNoTracking().Where(c => c.DeletedAt == null && c.Video!.RemoteUrl == null);
        // Whose automatic tags are shown and filtered on: the instance's for moderators, the owner's account's for owners.
        int? tagScope = null;
        if (!asModerator)
        {
            query = query.Where(c => c.Video!.Channel!.Account!.UserId == me);
            tagScope = await db.Accounts.Where(a => a.UserId == me).Select(a => (int?)a.Id).FirstOrDefaultAsync(ct);
        }

        if (bool.TryParse(request.Query["isHeldForReview"].ToString(), out var held))
        {
            query = query.Where(c => c.HeldForReview == held);
        }

        if (int.TryParse(request.Query["videoId"].ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var videoId))
        {
            query = query.Where(c => c.VideoId == videoId);
        }

        var oneOf = request.Query["autoTagOneOf"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).Take(20).ToList();
        if (oneOf.Count > 0)
        {
            var tagged = db.CommentAutomaticTags.Where(t => t.AccountId == tagScope && oneOf.Contains(t.Tag)).Select(t => t.CommentId);
            query = query.Where(c => tagged.Contains(c.Id));
        }

        var total = await query.CountAsync(ct);
        var ordered = page.Descending ? query.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id) : query.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id);
        var rows = await ordered.Skip(page.Start).Take(page.Count).Include(c => c.Account).Include(c => c.Video).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var tags = (await db.CommentAutomaticTags.AsNoTracking().Where(t => ids.Contains(t.CommentId) && t.AccountId == tagScope)
            .Select(t => new { t.CommentId, t.Tag }).ToListAsync(ct)).ToLookup(t => t.CommentId, t => t.Tag);
        return TypedResults.Ok(new ListPage<CommentForOwnerDto>(total, rows.Select(c => new CommentForOwnerDto(
            c.Id, c.Url, c.Text, c.HeldForReview, c.ThreadId ?? c.Id, c.InReplyToCommentId, c.CreatedAt, c.UpdatedAt,
            AccountDtos.Summary(c.Account!, instance), new CommentVideoDto(c.Video!.Id, c.Video.Uuid, c.Video.Name),
            AutomaticTags: [.. tags[c.Id].Order(StringComparer.Ordinal)])).ToList()));
    }

    private static readonly HashSet<string> CreatedAtOnly = ["createdAt"];

    /// <summary>
    /// Held comments (policy 3) are seen by their author, the video's owner and moderators only; to everyone else they
    /// do not exist.
    /// </summary>
    internal static IQueryable<VideoComment> Visible(IQueryable<VideoComment> comments, Video video, ClaimsPrincipal principal)
    {
        if (MayModerate(video, principal))
        {
            return comments;
        }

        var me = principal.UserId();
        return me is null ? comments.Where(c => !c.HeldForReview) : comments.Where(c => !c.HeldForReview || c.Account!.UserId == me);
    }

    /// <summary>The owner of a local video and the instance's moderators moderate its comments (delete, approve).</summary>
    internal static bool MayModerate(Video video, ClaimsPrincipal principal) =>
        principal.UserId() is { } me && ((video.IsLocal && video.Channel!.Account!.UserId == me) || principal.IsModeratorOrAdmin());

    internal static async Task<Video?> ViewableAsync(AppDbContext db, string id, ClaimsPrincipal principal, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().Include(v => v.Channel!).ThenInclude(c => c.Account).ById(id).FirstOrDefaultAsync(ct);
        return video is not null && VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, principal) ? video : null;
    }
}

/// <summary>Writes comments: checks, stores, and tells federation.</summary>
public sealed class CommentWriter(AppDbContext db, ActivityObjects objects, IInteractionEvents events, CommentScreening screening, IOptions<InstanceOptions> instance,
    TimeProvider clock)
{
    public async Task<Results<Ok<CommentCreatedDto>, BadRequestProblem, NotFoundProblem, ConflictProblem>> AddAsync(string videoId, int? inReplyTo, HttpRequest request, ClaimsPrincipal principal, CancellationToken ct)
    {
        var fields = await EngagementFeature.ReadFieldsAsync(request, ct);
        var text = fields?.GetValueOrDefault("text")?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > CommentsApi.MaxTextLength)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["text"] = $"Should have a valid comment text (1 to {CommentsApi.MaxTextLength} characters)." });
        }

        var video = await CommentsApi.ViewableAsync(db, videoId, principal, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (video.CommentsPolicy == CommentsPolicy.Disabled)
        {
            return ApiProblem.Conflict("Video comments are disabled.", "video_comments_disabled");
        }

        VideoComment? parent = null;
        if (inReplyTo is { } parentId)
        {
            parent = await db.VideoComments.FirstOrDefaultAsync(c => c.Id == parentId && c.VideoId == video.Id, ct);
            // A held comment is answered only once approved (or by those who may approve it): to others it is not there.
            if (parent is null || (parent.HeldForReview && !CommentsApi.MayModerate(video, principal)))
            {
                return ApiProblem.NotFound("Video comment not found.");
            }

            if (parent.DeletedAt is not null)
            {
                return ApiProblem.Conflict("Cannot reply to a deleted comment.", "comment_deleted");
            }
        }

        var account = await db.Accounts.AsNoTracking().FirstAsync(a => a.UserId == principal.UserId(), ct);
        var now = clock.GetUtcNow();
        // A remote video's origin decides about its own comments: ours are held only on our videos (approval, or a reviewed tag).
        var screen = await screening.ScreenAsync(video, text, CommentsApi.MayModerate(video, principal), ct);
        var comment = new VideoComment
        {
            VideoId = video.Id, AccountId = account.Id, Text = text, CreatedAt = now, UpdatedAt = now,
            InReplyToCommentId = parent?.Id, ThreadId = parent is null ? null : parent.ThreadId ?? parent.Id,
            HeldForReview = screen.HeldForReview,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.VideoComments.Add(comment);
            await db.SaveChangesAsync(ct);
            await screening.TagAsync(comment.Id, screen.Tags, edited: false, ct);
            comment.ThreadId ??= comment.Id;
            comment.Url = objects.CommentUrl(video, comment.Id);
            if (!comment.HeldForReview)
            {
                events.Commented(comment.Id);
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        comment.Account = await db.Accounts.AsNoTracking().FirstAsync(a => a.Id == account.Id, ct);
        return TypedResults.Ok(new CommentCreatedDto(CommentDtos.Comment(comment, video, instance.Value, 0, 0)));
    }

    /// <summary>The author, the owner of the (local) video and moderators may delete; the text goes, the place in the thread stays.</summary>
    public async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem, ConflictProblem>> DeleteAsync(string videoId, int commentId, ClaimsPrincipal principal, CancellationToken ct)
    {
        var video = await CommentsApi.ViewableAsync(db, videoId, principal, ct);
        var comment = video is null ? null : await db.VideoComments.Include(c => c.Account).FirstOrDefaultAsync(c => c.Id == commentId && c.VideoId == video.Id, ct);
        if (video is null || comment is null)
        {
            return ApiProblem.NotFound(video is null ? "Video not found." : "Video comment not found.");
        }

        var me = principal.UserId();
        var mayDelete = comment.Account!.UserId == me || CommentsApi.MayModerate(video, principal);
        if (comment.HeldForReview && !mayDelete)
        {
            return ApiProblem.NotFound("Video comment not found.");
        }

        if (!mayDelete)
        {
            return ApiProblem.Forbidden("Cannot remove a video comment of another user.");
        }

        if (comment.DeletedAt is not null)
        {
            return ApiProblem.Conflict("This comment is already deleted.", "comment_deleted");
        }

        comment.DeletedAt = clock.GetUtcNow();
        comment.Text = "";
        if (!comment.HeldForReview)
        {
            // A held comment was never announced: there is nothing to take back.
            events.CommentDeleted(comment.Id);
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// PeerTube's approve (POST /videos/{id}/comments/{commentId}/approve): the video's owner or a moderator releases a
    /// held comment; it is announced in the same transaction. Others get 404 for a comment they cannot see, 403 otherwise.
    /// </summary>
    public async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ApproveAsync(string videoId, int commentId, ClaimsPrincipal principal,
        CancellationToken ct)
    {
        var video = await CommentsApi.ViewableAsync(db, videoId, principal, ct);
        var comment = video is null ? null : await db.VideoComments.Include(c => c.Account).FirstOrDefaultAsync(c => c.Id == commentId && c.VideoId == video.Id, ct);
        if (video is null || comment is null || comment.DeletedAt is not null
            || (comment.HeldForReview && !CommentsApi.MayModerate(video, principal) && comment.Account!.UserId != principal.UserId()))
        {
            return ApiProblem.NotFound(video is null ? "Video not found." : "Video comment not found.");
        }

        if (!CommentsApi.MayModerate(video, principal))
        {
            return ApiProblem.Forbidden("Only the video's owner and moderators approve its comments.");
        }

        if (!comment.HeldForReview)
        {
            return ApiProblem.BadRequest("This comment is not held for review.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        comment.HeldForReview = false;
        if (comment.Account!.IsLocal)
        {
            events.Commented(comment.Id);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>PeerTube's VideoComment.</summary>
public static class CommentDtos
{
    public static CommentDto Comment(VideoComment c, Video video, InstanceOptions instance, int totalReplies, int totalRepliesFromVideoAuthor) => new(
        c.Id, c.Url, c.DeletedAt is null ? c.Text : "", c.ThreadId ?? c.Id, c.InReplyToCommentId, video.Id, c.CreatedAt, c.UpdatedAt, c.DeletedAt,
        IsDeleted: c.DeletedAt is not null, c.HeldForReview, totalRepliesFromVideoAuthor, totalReplies,
        c.DeletedAt is null && c.Account is { } a ? AccountDtos.Summary(a, instance) : null);
}

/// <summary>PeerTube's VideoComment; a deleted one keeps its place in the thread, without text or account.</summary>
public sealed record CommentDto(
    int Id, string? Url, string Text, int ThreadId, int? InReplyToCommentId, int VideoId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? DeletedAt, bool IsDeleted, bool HeldForReview, int TotalRepliesFromVideoAuthor, int TotalReplies, AccountSummaryDto? Account);

/// <summary>A video's threads: PeerTube's <c>{ total, totalNotDeletedComments, data }</c>.</summary>
public sealed record CommentThreadsPage(int Total, int TotalNotDeletedComments, IReadOnlyList<CommentDto> Data);

/// <summary>PeerTube's VideoCommentThreadTree: a comment and its replies, each with theirs.</summary>
public sealed record CommentThreadTree(CommentDto Comment, bool HasMoreChildren, IReadOnlyList<CommentThreadTree> Children);

/// <summary>PeerTube's answer to a new comment: <c>{ comment }</c>.</summary>
public sealed record CommentCreatedDto(CommentDto Comment);

/// <summary>PeerTube's VideoCommentForAdminOrUser: a comment in the owner's list, with the video it is on.</summary>
public sealed record CommentForOwnerDto(int Id, string? Url, string Text, bool HeldForReview, int ThreadId, int? InReplyToCommentId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, AccountSummaryDto Account, CommentVideoDto Video, string[] AutomaticTags);

/// <summary>The video a listed comment is on.</summary>
public sealed record CommentVideoDto(int Id, Guid Uuid, string Name);

/// <summary>PeerTube's VideoCommentPolicy (6.2): a video's <c>commentsPolicy</c>.</summary>
public static class CommentsPolicy
{
    public const int Enabled = 1;
    public const int Disabled = 2;
    public const int RequiresApproval = 3;
}
