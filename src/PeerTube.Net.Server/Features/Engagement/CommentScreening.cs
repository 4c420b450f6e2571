using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.WatchedWords;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>What a new comment gets before it is stored: its automatic tags, and whether it waits for review.</summary>
public sealed record CommentScreen(bool HeldForReview, IReadOnlyList<AutomaticTag> Tags);

/// <summary>
/// PeerTube's rules for a new comment on a video: it is held for review when the video's comments need approval, or,
/// on our videos, when it carries a tag the owner's account reviews; never when its author may moderate the video.
/// </summary>
public sealed class CommentScreening(AppDbContext db, AutomaticTagger tagger)
{
    public async Task<CommentScreen> ScreenAsync(Video video, string text, bool authorModerates, CancellationToken ct)
    {
        var ownerAccountId = video.Channel?.AccountId ?? await db.VideoChannels.Where(c => c.Id == video.ChannelId).Select(c => c.AccountId).FirstAsync(ct);
        var tags = await tagger.TagCommentAsync(ownerAccountId, text, ct);
        if (!video.IsLocal || authorModerates)
        {
            return new CommentScreen(false, tags);
        }

        var held = video.CommentsPolicy == CommentsPolicy.RequiresApproval || await tagger.HoldsForReviewAsync(ownerAccountId, tags, ct);
        return new CommentScreen(held, tags);
    }

    /// <summary>Adds the tag rows of a saved comment to the caller's unit of work; an edited comment's earlier tags go first.</summary>
    public async Task TagAsync(int commentId, IReadOnlyList<AutomaticTag> tags, bool edited, CancellationToken ct)
    {
        if (edited)
        {
            await db.CommentAutomaticTags.Where(t => t.CommentId == commentId).ExecuteDeleteAsync(ct);
        }

        db.CommentAutomaticTags.AddRange(tags.DistinctBy(t => (t.AccountId, t.Name))
            .Select(t => new CommentAutomaticTag { CommentId = commentId, AccountId = t.AccountId, Tag = t.Name }));
    }
}
