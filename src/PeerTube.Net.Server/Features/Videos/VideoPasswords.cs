using System.Security.Claims;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// PeerTube 6's password-protected videos (privacy 5): the owner gives one or more passwords, and whoever sends one in
/// the <c>x-peertube-video-password</c> header may watch, as the owner and moderators may without one. Such a video is
/// otherwise treated as a private one: out of lists, feeds, federation and torrents, its files behind the private path
/// and a file token.
/// </summary>
public static class VideoPasswords
{
    public const string Header = "x-peertube-video-password";

    /// <summary>PeerTube's CONSTRAINTS_FIELDS.VIDEO_PASSWORD: at least 2 characters, fewer than 100.</summary>
    public const int MinLength = 2;
    public const int MaxLength = 100;

    public const string RequiresPasswordMessage = "Please provide a password to access this password protected video";
    public const string IncorrectPasswordMessage = "Incorrect video password. Access to the video is denied.";

    /// <summary>PeerTube's isValidPasswordProtectedPrivacy: whether <paramref name="passwords"/> may be a password-protected video's list; the reason goes in <paramref name="errors"/>.</summary>
    public static void Validate(List<string>? passwords, string field, Dictionary<string, string> errors)
    {
        if (passwords is null)
        {
            errors[field] = "Video passwords are missing.";
        }
        else if (passwords.Count == 0)
        {
            errors[field] = "At least one video password is required.";
        }
        else if (passwords.Distinct(StringComparer.Ordinal).Count() != passwords.Count)
        {
            errors[field] = "Duplicate video passwords are not allowed.";
        }
        else if (passwords.Any(p => p is null || p.Length is < MinLength or >= MaxLength))
        {
            errors[field] = $"Each video password should be between {MinLength} and {MaxLength - 1} characters long.";
        }
    }

    /// <summary>
    /// Null when <paramref name="principal"/> may watch <paramref name="video"/> (its privacy allows it, or the request
    /// carries one of its passwords); else PeerTube's 403 <c>video_requires_password</c> or <c>incorrect_video_password</c>.
    /// Only for password-protected videos: other privacies answer null and stay with <see cref="VideoAccess.CanView"/>.
    /// </summary>
    public static async Task<ForbiddenProblem?> RefusalAsync(AppDbContext db, int videoId, VideoPrivacy privacy, int? ownerUserId, ClaimsPrincipal principal,
        HttpRequest request, CancellationToken ct)
    {
        if (privacy != VideoPrivacy.PasswordProtected || VideoAccess.CanView(privacy, ownerUserId, principal))
        {
            return null;
        }

        var given = request.Headers[Header].ToString();
        if (given.Length == 0)
        {
            return ApiProblem.Forbidden(RequiresPasswordMessage, "video_requires_password");
        }

        return await IsCorrectAsync(db, videoId, given, ct) ? null : ApiProblem.Forbidden(IncorrectPasswordMessage, "incorrect_video_password");
    }

    public static Task<bool> IsCorrectAsync(AppDbContext db, int videoId, string password, CancellationToken ct) =>
        db.VideoPasswords.AnyAsync(p => p.VideoId == videoId && p.Password == password, ct);

    /// <summary>Replaces the video's passwords with <paramref name="passwords"/> (in the caller's unit of work).</summary>
    public static async Task ReplaceAsync(AppDbContext db, int videoId, IReadOnlyCollection<string> passwords, DateTimeOffset now, CancellationToken ct)
    {
        var existing = await db.VideoPasswords.Where(p => p.VideoId == videoId).ToListAsync(ct);
        db.VideoPasswords.RemoveRange(existing.Where(p => !passwords.Contains(p.Password)));
        foreach (var password in passwords.Where(p => existing.All(e => e.Password != p)))
        {
            db.VideoPasswords.Add(new VideoPassword { VideoId = videoId, Password = password, CreatedAt = now, UpdatedAt = now });
        }
    }

    /// <summary>A video that leaves privacy 5 keeps no password (PeerTube deletes them).</summary>
    public static async Task RemoveAllAsync(AppDbContext db, int videoId, CancellationToken ct) =>
        db.VideoPasswords.RemoveRange(await db.VideoPasswords.Where(p => p.VideoId == videoId).ToListAsync(ct));
}
