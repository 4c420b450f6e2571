using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// PeerTube's video passwords routes: the owner and moderators list, replace and remove the passwords of a
/// password-protected video. A video of another privacy has none (400, as PeerTube's isVideoPasswordProtected).
/// </summary>
internal static class VideoPasswordsApi
{
    private static readonly HashSet<string> SortColumns = ["createdAt", "password"];

    public static RouteGroupBuilder MapVideoPasswordsApi(this RouteGroupBuilder user)
    {
        user.MapGet("/videos/{id}/passwords", ListAsync);
        user.MapPut("/videos/{id}/passwords", ReplaceAsync);
        user.MapDelete("/videos/{id}/passwords/{passwordId:int}", DeleteAsync);
        return user;
    }

    private static async Task<Results<Ok<ListPage<VideoPasswordDto>>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ListAsync(string id,
        ClaimsPrincipal principal, HttpRequest request, AppDbContext db, CancellationToken ct)
    {
        var videoId = await ManagedAsync(db, id, principal, ct);
        var q = ListQuery.Read(request, SortColumns, "createdAt");
        var query = db.VideoPasswords.AsNoTracking().Where(p => p.VideoId == videoId);
        var ordered = q.Column == "password"
            ? (q.Descending ? query.OrderByDescending(p => p.Password) : query.OrderBy(p => p.Password))
            : (q.Descending ? query.OrderByDescending(p => p.CreatedAt) : query.OrderBy(p => p.CreatedAt));
        var total = await query.CountAsync(ct);
        var page = await ordered.ThenBy(p => p.Id).Skip(q.Start).Take(q.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<VideoPasswordDto>(total, page.Select(VideoPasswordDto.From).ToList()));
    }

    /// <summary>PUT <c>{ "passwords": [...] }</c>: the new list, whole (PeerTube's rules: at least one, no duplicates, 2 to 99 characters).</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ReplaceAsync(string id,
        ClaimsPrincipal principal, ReplacePasswordsRequest? body, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var videoId = await ManagedAsync(db, id, principal, ct);
        var errors = new Dictionary<string, string>();
        VideoPasswords.Validate(body?.Passwords, "passwords", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        await VideoPasswords.ReplaceAsync(db, videoId, body!.Passwords!, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Removes one password; never the last one (403, as PeerTube: make the video private instead).</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> DeleteAsync(string id, int passwordId,
        ClaimsPrincipal principal, AppDbContext db, CancellationToken ct)
    {
        var videoId = await ManagedAsync(db, id, principal, ct);
        var password = await db.VideoPasswords.FirstOrDefaultAsync(p => p.Id == passwordId && p.VideoId == videoId, ct);
        if (password is null)
        {
            return ApiProblem.NotFound("Video password not found.");
        }

        if (await db.VideoPasswords.CountAsync(p => p.VideoId == videoId, ct) <= 1)
        {
            return ApiProblem.Forbidden("Cannot delete the last password of the protected video.");
        }

        db.VideoPasswords.Remove(password);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>The video's id, if <paramref name="principal"/> is its owner or a moderator and it is password-protected.</summary>
    /// <exception cref="ApiProblemException">404, 403 (another user's video) or 400 (not password-protected).</exception>
    private static async Task<int> ManagedAsync(AppDbContext db, string id, ClaimsPrincipal principal, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().ById(id).Select(v => new { v.Id, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId })
            .FirstOrDefaultAsync(ct) ?? throw new ApiProblemException(ApiProblem.NotFound("Video not found."));
        if (!VideoAccess.IsOwnerOrModerator(video.OwnerUserId, principal))
        {
            throw new ApiProblemException(ApiProblem.Forbidden("Cannot manage the passwords of a video of another user."));
        }

        if (video.Privacy != VideoPrivacy.PasswordProtected)
        {
            throw new ApiProblemException(ApiProblem.BadRequest("This video is not password protected."));
        }

        return video.Id;
    }
}

public sealed record ReplacePasswordsRequest(List<string>? Passwords);

/// <summary>PeerTube's VideoPassword: <c>{ id, password, videoId, createdAt, updatedAt }</c>.</summary>
public sealed record VideoPasswordDto(int Id, string Password, int VideoId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static VideoPasswordDto From(VideoPassword p) => new(p.Id, p.Password, p.VideoId, p.CreatedAt, p.UpdatedAt);
}
