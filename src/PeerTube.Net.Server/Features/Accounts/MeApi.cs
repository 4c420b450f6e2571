using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>
/// What a user changes of themselves (PeerTube's /users/me): their profile and preferences, their password and email
/// (both behind the current password), their avatar, and their own removal.
/// </summary>
internal static class MeApi
{
    private static readonly HashSet<string> NsfwPolicies = ["display", "blur", "do_not_list"];

    /// <summary>PeerTube's UserUpdateMe: only the fields given change.</summary>
    public sealed record UpdateMeRequest(
        string? DisplayName, string? Description, string? NsfwPolicy, bool? P2PEnabled, bool? AutoPlayVideo, string[]? VideoLanguages,
        string? Password, string? CurrentPassword, string? Email);

    public static RouteGroupBuilder MapMeApi(this RouteGroupBuilder user)
    {
        user.MapPut("/users/me", UpdateMe);
        user.MapDelete("/users/me", DeleteMe);
        user.MapPost("/users/me/avatar/pick", PickAvatar).Accepts<IFormFile>("multipart/form-data");
        user.MapDelete("/users/me/avatar", DeleteAvatar);
        return user;
    }

    public static async Task<Results<NoContent, BadRequestProblem, UnauthorizedProblem, ConflictProblem>> UpdateMe(UpdateMeRequest body, ClaimsPrincipal principal, AppDbContext db,
        IPasswordHasher<User> hasher, IOpenIddictTokenManager tokens, ActorEvents events, CancellationToken ct)
    {
        var user = await db.Users.Include(u => u.Account).FirstOrDefaultAsync(u => u.Id == principal.UserId(), ct);
        if (user?.Account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        var errors = new Dictionary<string, string>();
        if (body.DisplayName is not null && body.DisplayName.Trim().Length is < 1 or > 120)
        {
            errors["displayName"] = "Should have a valid display name: 1 to 120 characters.";
        }

        if (body.Description is { Length: > 0 } && body.Description.Trim().Length is < 3 or > 1000)
        {
            errors["description"] = "Should have a valid description: 3 to 1000 characters.";
        }

        if (body.NsfwPolicy is not null && !NsfwPolicies.Contains(body.NsfwPolicy))
        {
            errors["nsfwPolicy"] = "Should have a valid display Not Safe For Work policy (display, blur or do_not_list).";
        }

        if (body.VideoLanguages is { } languages && (languages.Length > 500 || languages.Any(l => l.Trim().Length is < 1 or > 10 || l.Contains(','))))
        {
            errors["videoLanguages"] = "Should have a valid video languages attribute.";
        }

        if (body.Password is { Length: < 6 or > 255 })
        {
            errors["password"] = "Should have a valid password: 6 to 255 characters.";
        }

        if (body.Email is { } email && (!email.Contains('@') || email.Length > 400))
        {
            errors["email"] = "Should have a valid email.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        // PeerTube's rule: a new password or email needs the current password.
        if (body.Password is not null || body.Email is not null)
        {
            if (string.IsNullOrEmpty(body.CurrentPassword))
            {
                return ApiProblem.BadRequest("currentPassword parameter is missing.");
            }

            if (hasher.VerifyHashedPassword(user, user.PasswordHash, body.CurrentPassword) == PasswordVerificationResult.Failed)
            {
                return ApiProblem.Unauthorized("currentPassword is invalid.", "invalid_current_password");
            }
        }

        if (body.Email is { } newEmail)
        {
            var lower = newEmail.Trim().ToLowerInvariant();
            if (lower != user.Email && await db.Users.AnyAsync(u => u.Email == lower && u.Id != user.Id, ct))
            {
                return ApiProblem.Conflict("User with this email already exists.");
            }

            user.Email = lower;
        }

        var account = user.Account;
        var profileChanged = (body.DisplayName is not null && body.DisplayName.Trim() != account.DisplayName)
                             || (body.Description is not null && NullIfBlank(body.Description) != account.Description);
        account.DisplayName = body.DisplayName?.Trim() ?? account.DisplayName;
        account.Description = body.Description is null ? account.Description : NullIfBlank(body.Description);
        user.NsfwPolicy = body.NsfwPolicy ?? user.NsfwPolicy;
        user.P2PEnabled = body.P2PEnabled ?? user.P2PEnabled;
        user.AutoPlayVideo = body.AutoPlayVideo ?? user.AutoPlayVideo;
        if (body.VideoLanguages is { } langs)
        {
            user.VideoLanguages = langs.Length == 0 ? null : string.Join(',', langs.Select(l => l.Trim()));
        }

        if (body.Password is { } password)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            if (profileChanged)
            {
                await events.AccountUpdatedAsync(account.Id, ct);
            }

            await transaction.CommitAsync(ct);
        }

        if (body.Password is not null)
        {
            await RevokeOtherTokensAsync(user.Id, principal, tokens, ct);
        }

        return TypedResults.NoContent();
    }

    /// <summary>DELETE /api/v1/users/me: the admin removal, on oneself; root stays.</summary>
    public static async Task<Results<NoContent, BadRequestProblem, UnauthorizedProblem>> DeleteMe(ClaimsPrincipal principal, AppDbContext db, VideoRemoval removal,
        IOpenIddictTokenManager tokens, IEnumerable<IUserRemovalHandler> removalHandlers, ActorImages images, CancellationToken ct)
    {
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == principal.UserId(), ct);
        if (user is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        if (user.Username == "root")
        {
            return ApiProblem.BadRequest("You cannot delete your root account.");
        }

        await UsersApi.RemoveAsync(user, db, removal, tokens, removalHandlers, images, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<AvatarsDto>, BadRequestProblem, UnauthorizedProblem>> PickAvatar(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        ActorImages images, ActorEvents events, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.UserId != null && a.UserId == principal.UserId(), ct);
        if (account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        var (bytes, invalid) = await ActorImageUpload.ReadAsync(request, "avatarfile", ct);
        if (bytes is null)
        {
            return invalid!;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var created = await images.ReplaceAsync(ImageOwner.OfAccount(account.Id), ActorImageType.Avatar, bytes, ct);
        if (created is null)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["avatarfile"] = ActorImageUpload.Invalid("avatarfile") });
        }

        await events.AccountUpdatedAsync(account.Id, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok(new AvatarsDto(AccountDtos.Images(created, ActorImageType.Avatar, instance.Value)));
    }

    public static async Task<Results<NoContent, UnauthorizedProblem>> DeleteAvatar(ClaimsPrincipal principal, AppDbContext db, ActorImages images, ActorEvents events,
        CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.UserId != null && a.UserId == principal.UserId(), ct);
        if (account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await images.RemoveAsync(ImageOwner.OfAccount(account.Id), ActorImageType.Avatar, ct);
        await events.AccountUpdatedAsync(account.Id, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Every session of the user but the one that changed the password ends.</summary>
    private static async Task RevokeOtherTokensAsync(int userId, ClaimsPrincipal principal, IOpenIddictTokenManager tokens, CancellationToken ct)
    {
        var current = principal.GetClaim(OpenIddictConstants.Claims.Private.TokenId);
        var others = new List<object>();
        await foreach (var token in tokens.FindBySubjectAsync(userId.ToString(CultureInfo.InvariantCulture), ct))
        {
            if (await tokens.GetIdAsync(token, ct) != current)
            {
                others.Add(token);
            }
        }

        foreach (var token in others)
        {
            await tokens.TryRevokeAsync(token, ct);
        }
    }

    private static string? NullIfBlank(string s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>PeerTube's answer to an avatar upload.</summary>
public sealed record AvatarsDto(IReadOnlyList<ActorImageDto> Avatars);
