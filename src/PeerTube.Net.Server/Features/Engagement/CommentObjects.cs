using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>Our comments as ActivityPub Notes, at their ids (/videos/watch/{uuid}/comments/{id}); a deleted one is a Tombstone.</summary>
internal static class CommentObjects
{
    public static async Task<IResult> GetAsync(Guid uuid, int commentId, AppDbContext db, ActivityObjects objects, LocalActors local, CancellationToken ct)
    {
        var comment = await db.VideoComments.AsNoTracking().Include(c => c.Video).Include(c => c.Account).Include(c => c.InReplyTo)
            .FirstOrDefaultAsync(c => c.Id == commentId && c.Video!.Uuid == uuid && c.Account!.Host == null, ct);
        if (comment?.Video is not { } video || VideoUrls.IsPrivateLike(video) || comment.HeldForReview)
        {
            return ApiProblem.NotFound("Comment not found.");
        }

        if (comment.DeletedAt is not null)
        {
            return ActivityPubEndpoints.Json(ActivityJson.WithContext(new JsonObject
            {
                ["type"] = "Tombstone", ["id"] = comment.Url, ["formerType"] = "Note", ["deleted"] = ActivityObjects.Iso(comment.DeletedAt.Value),
            }));
        }

        var note = objects.Note(video, comment.Url ?? objects.CommentUrl(video, comment.Id), comment.Text, local.AccountUrl(comment.Account!.Name),
            comment.InReplyTo?.Url, comment.CreatedAt, null);
        return ActivityPubEndpoints.Json(ActivityJson.WithContext(note));
    }
}
