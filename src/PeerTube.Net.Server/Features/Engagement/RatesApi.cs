using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>PUT /api/v1/videos/{id}/rate and GET /api/v1/users/me/videos/{id}/rating.</summary>
internal static class RatesApi
{
    /// <summary>Body { rating: "like" | "dislike" | "none" }: 204. One rate per account and video; the origin is told.</summary>
    public static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem>> RateAsync(string id, HttpRequest request, ClaimsPrincipal principal, AppDbContext db, LocalActors local,
        Inbound.Interactions counts, IInteractionEvents events, TimeProvider clock, CancellationToken ct)
    {
        var fields = await EngagementFeature.ReadFieldsAsync(request, ct);
        var rating = fields?.GetValueOrDefault("rating");
        if (rating is not ("like" or "dislike" or "none"))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["rating"] = "Should have a valid rating: like, dislike or none." });
        }

        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null || !VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, principal))
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var account = await db.Accounts.AsNoTracking().FirstAsync(a => a.UserId == principal.UserId(), ct);
        var existing = await db.VideoRates.FirstOrDefaultAsync(r => r.VideoId == video.Id && r.AccountId == account.Id, ct);
        var (previousUrl, previousLike) = (existing?.Url, existing?.Like);
        var wanted = rating switch { "like" => true, "dislike" => false, _ => (bool?)null };
        if (wanted == previousLike)
        {
            return TypedResults.NoContent();
        }

        if (existing is not null)
        {
            db.VideoRates.Remove(existing);
        }

        if (wanted is { } like)
        {
            // PeerTube's id for a rate: the account's URL, /likes/ or /dislikes/, the video's id on the rater's instance.
            db.VideoRates.Add(new VideoRate
            {
                VideoId = video.Id, AccountId = account.Id, Like = like, CreatedAt = clock.GetUtcNow(),
                Url = $"{local.AccountUrl(account.Name)}/{(like ? "likes" : "dislikes")}/{video.Id}",
            });
        }

        events.Rated(video.Id, account.Id, previousUrl, previousLike);
        await db.SaveChangesAsync(ct);
        await counts.RecountAsync(video.Id, ct);
        return TypedResults.NoContent();
    }

    /// <summary>PeerTube's { videoId, rating } for the signed-in user.</summary>
    public static async Task<Results<Ok<VideoRatingDto>, NotFoundProblem>> MyRatingAsync(string id, ClaimsPrincipal principal, AppDbContext db, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().ById(id).Select(v => new { v.Id }).FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var me = principal.UserId();
        var like = await db.VideoRates.AsNoTracking().Where(r => r.VideoId == video.Id && r.Account!.UserId == me)
            .Select(r => (bool?)r.Like).FirstOrDefaultAsync(ct);
        return TypedResults.Ok(new VideoRatingDto(video.Id, like switch { true => "like", false => "dislike", _ => "none" }));
    }
}

/// <summary>PeerTube's <c>{ videoId, rating }</c>: "like", "dislike" or "none".</summary>
public sealed record VideoRatingDto(int VideoId, string Rating);
