using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>The streaming part of the REST API: tokens for a private video's files.</summary>
public static class StreamingApi
{
    public static IEndpointRouteBuilder MapStreamingApi(this IEndpointRouteBuilder app)
    {
        // Signed-in users, and for a password-protected video whoever sends one of its passwords (PeerTube's videoFileTokenValidator).
        var api = app.MapGroup("/api/v1").WithTags("Streaming").DisableAntiforgery();
        api.MapPost("/videos/{id}/token", CreateTokenAsync);
        return app;
    }

    /// <summary>PeerTube's POST /api/v1/videos/{id}/token: a short-lived token to fetch a private or password-protected video's files.</summary>
    private static async Task<Results<Ok<VideoFileTokenDto>, UnauthorizedProblem, ForbiddenProblem, NotFoundProblem>> CreateTokenAsync(string id, ClaimsPrincipal principal,
        HttpRequest request, AppDbContext db, VideoFileTokens tokens, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().ById(id)
            .Select(v => new { v.Id, v.Uuid, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId }).FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (video.Privacy == VideoPrivacy.PasswordProtected)
        {
            if (await VideoPasswords.RefusalAsync(db, video.Id, video.Privacy, video.OwnerUserId, principal, request, ct) is { } refusal)
            {
                return refusal;
            }
        }
        else if (principal.UserId() is null)
        {
            return ApiProblem.Unauthorized("Not authenticated");
        }
        else if (!VideoAccess.CanView(video.Privacy, video.OwnerUserId, principal))
        {
            return ApiProblem.Forbidden("Cannot get a token for this video.");
        }

        var (token, expires) = tokens.Create(video.Uuid);
        return TypedResults.Ok(new VideoFileTokenDto(new VideoFileTokenDto.FileToken(token, expires)));
    }
}

/// <summary>PeerTube's VideoToken: <c>{ files: { token, expires } }</c>.</summary>
public sealed record VideoFileTokenDto(VideoFileTokenDto.FileToken Files)
{
    public sealed record FileToken(string Token, DateTimeOffset Expires);
}
