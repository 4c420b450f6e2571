using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace PeerTube.Net.Server.Features.Accounts;

internal static class UsersApi
{
    public sealed record CreateUserRequest(
        string? Username, string? Password, string? Email, int? Role, long? VideoQuota, long? VideoQuotaDaily, string? ChannelName);

    /// <summary>PeerTube's UserUpdate: only the fields given change.</summary>
    public sealed record UpdateUserRequest(string? Email, long? VideoQuota, long? VideoQuotaDaily, int? Role, string? Password, int? AdminFlags = null,
        bool? EmailVerified = null);

    /// <summary>PeerTube's block body: <c>{ reason }</c>.</summary>
    public sealed record BlockUserRequest(string? Reason);

    private static readonly HashSet<string> UserSortColumns = ["id", "username", "videoQuotaUsed", "createdAt", "lastLoginDate", "role"];

    public static async Task<Results<Ok<Dictionary<string, object?>>, UnauthorizedProblem>> GetMe(ClaimsPrincipal principal, AppDbContext db, UserService users, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var id = principal.UserId();
        var user = await db.Users.Include(u => u.Account!).ThenInclude(a => a.Channels).ThenInclude(c => c.Images)
            .Include(u => u.Account!).ThenInclude(a => a.Images).AsSplitQuery().FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user?.Account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        return TypedResults.Ok(UserDtos.User(user, await users.QuotaUsedAsync(user.Id, ct), instance.Value, withChannels: true));
    }

    public static async Task<Ok<VideoQuotaUsedDto>> GetMyQuotaUsed(ClaimsPrincipal principal, UserService users, CancellationToken ct)
    {
        var used = await users.QuotaUsedAsync(principal.UserId() ?? 0, ct);
        return TypedResults.Ok(new VideoQuotaUsedDto(used, used));
    }

    /// <summary>Admins create any user; moderators create plain users only (PeerTube's rule).</summary>
    public static async Task<Results<Ok<UserCreatedDto>, BadRequestProblem, ForbiddenProblem>> CreateUser(CreateUserRequest body, ClaimsPrincipal principal, UserService users, CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("User does not have the right to create users.");
        }

        var role = (UserRole)(body.Role ?? (int)UserRole.User);
        if (!Enum.IsDefined(role))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["role"] = "Should have a valid role (0, 1 or 2)." });
        }

        if (!principal.IsAdmin() && role != UserRole.User)
        {
            return ApiProblem.Forbidden("A moderator can only create users.");
        }

        var user = await users.CreateAsync(body.Username ?? "", body.Email ?? "", body.Password ?? "", role,
            body.VideoQuota ?? -1, body.VideoQuotaDaily ?? -1, body.ChannelName, ct);
        return TypedResults.Ok(new UserCreatedDto(new UserCreatedDto.UserRef(user.Id, new UserCreatedDto.AccountRef(user.Account!.Id))));
    }

    /// <summary>GET /api/v1/users: admins and moderators (PeerTube's MANAGE_USERS right). ?search matches username or email.</summary>
    public static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem, ForbiddenProblem>> ListUsers(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("User does not have the right to list users.");
        }

        var list = ListQuery.Read(request, UserSortColumns, "-createdAt");
        var query = db.Users.AsNoTracking();
        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            // Usernames and emails are stored lower-case, so this is case-insensitive on SQLite and PostgreSQL alike.
            var term = search.ToLowerInvariant();
            query = query.Where(u => u.Username.Contains(term) || u.Email.Contains(term));
        }

        if (request.Query["blocked"].ToString() is { Length: > 0 } blockedText)
        {
            if (!bool.TryParse(blockedText, out var blocked))
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["blocked"] = "Should have a valid blocked boolean." });
            }

            query = query.Where(u => u.Blocked == blocked);
        }

        var total = await query.CountAsync(ct);
        var rows = query.Select(u => new
        {
            User = u,
            u.Account,
            Used = db.Set<Video>().Where(v => v.Channel!.Account!.UserId == u.Id).Sum(v => (long?)v.SourceSize) ?? 0,
        });
        var d = list.Descending;
        var ordered = list.Column switch
        {
            "username" => d ? rows.OrderByDescending(r => r.User.Username) : rows.OrderBy(r => r.User.Username),
            "videoQuotaUsed" => d ? rows.OrderByDescending(r => r.Used) : rows.OrderBy(r => r.Used),
            "createdAt" => d ? rows.OrderByDescending(r => r.User.CreatedAt) : rows.OrderBy(r => r.User.CreatedAt),
            "role" => d ? rows.OrderByDescending(r => r.User.Role) : rows.OrderBy(r => r.User.Role),
            // No login dates are kept: "lastLoginDate" sorts as "id".
            _ => d ? rows.OrderByDescending(r => r.User.Id) : rows.OrderBy(r => r.User.Id),
        };
        var page = await ordered.ThenBy(r => r.User.Id).Skip(list.Start).Take(list.Count).ToListAsync(ct);
        var i = instance.Value;
        return TypedResults.Ok(new ListPage<Dictionary<string, object?>>(total, page.Select(r =>
        {
            r.User.Account = r.Account;
            return UserDtos.User(r.User, r.Used, i, withChannels: false);
        }).ToList()));
    }

    /// <summary>GET /api/v1/users/{id}: admins and moderators.</summary>
    public static async Task<Results<Ok<Dictionary<string, object?>>, ForbiddenProblem, NotFoundProblem>> GetUser(int id, ClaimsPrincipal principal, AppDbContext db, UserService users, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("User does not have the right to see users.");
        }

        var user = await db.Users.Include(u => u.Account!).ThenInclude(a => a.Channels).FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user?.Account is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        return TypedResults.Ok(UserDtos.User(user, await users.QuotaUsedAsync(user.Id, ct), instance.Value, withChannels: true));
    }

    /// <summary>
    /// PUT /api/v1/users/{id}. Admins change anyone; moderators change plain users only, and never a role (PeerTube's rules).
    /// A new role or password takes effect at once: the user's tokens, which carry the old role, are revoked.
    /// </summary>
    public static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem, ConflictProblem>> UpdateUser(int id, UpdateUserRequest body, ClaimsPrincipal principal, AppDbContext db,
        IPasswordHasher<User> hasher, IOpenIddictTokenManager tokens, CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("User does not have the right to manage users.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        var isAdmin = principal.IsAdmin();
        if (!isAdmin && user.Role != UserRole.User)
        {
            return ApiProblem.Forbidden("A moderator can only manage users.");
        }

        var errors = new Dictionary<string, string>();
        var role = body.Role is { } r ? (UserRole)r : user.Role;
        if (!Enum.IsDefined(role))
        {
            errors["role"] = "Should have a valid role (0, 1 or 2).";
        }

        if (body.Email is { } email && (!email.Contains('@') || email.Length > 400))
        {
            errors["email"] = "Should have a valid email.";
        }

        if (body.VideoQuota < -1)
        {
            errors["videoQuota"] = "Should have a valid video quota (-1 for unlimited).";
        }

        if (body.VideoQuotaDaily < -1)
        {
            errors["videoQuotaDaily"] = "Should have a valid daily video quota (-1 for unlimited).";
        }

        if (body.Password is { Length: < 6 or > 255 })
        {
            errors["password"] = "Should have a valid password: 6 to 255 characters.";
        }

        if (body.AdminFlags is < 0 or > 1)
        {
            errors["adminFlags"] = "Should have valid admin flags (0, or 1 to bypass the automatic block of new videos).";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        if ((body.AdminFlags is not null || body.EmailVerified is not null) && !isAdmin)
        {
            return ApiProblem.Forbidden("Only an administrator can change admin flags or the email's verified state.");
        }

        var roleChanged = role != user.Role;
        if (roleChanged && !isAdmin)
        {
            return ApiProblem.Forbidden("Only an administrator can change a role.");
        }

        if (roleChanged && user.Username == "root")
        {
            return ApiProblem.BadRequest("Cannot change root role.");
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

        user.Role = role;
        user.AdminFlags = body.AdminFlags ?? user.AdminFlags;
        user.EmailVerified = body.EmailVerified ?? user.EmailVerified;
        user.VideoQuota = body.VideoQuota ?? user.VideoQuota;
        user.VideoQuotaDaily = body.VideoQuotaDaily ?? user.VideoQuotaDaily;
        if (body.Password is { } password)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
        }

        await db.SaveChangesAsync(ct);
        if (roleChanged || body.Password is not null)
        {
            await tokens.RevokeBySubjectAsync(user.Id.ToString(CultureInfo.InvariantCulture), ct);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// POST /api/v1/users/{id}/block: moderators block plain users, administrators anyone but root and themselves. The
    /// user's sessions end at once (tokens revoked) and sign-in is refused until they are unblocked.
    /// </summary>
    public static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> BlockUser(int id, BlockUserRequest? body, ClaimsPrincipal principal,
        AppDbContext db, IOpenIddictTokenManager tokens, CancellationToken ct) =>
        await ChangeBlockAsync(id, block: true, body?.Reason, principal, db, tokens, ct);

    /// <summary>POST /api/v1/users/{id}/unblock: the same rules as blocking.</summary>
    public static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UnblockUser(int id, ClaimsPrincipal principal,
        AppDbContext db, IOpenIddictTokenManager tokens, CancellationToken ct) =>
        await ChangeBlockAsync(id, block: false, reason: null, principal, db, tokens, ct);

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ChangeBlockAsync(int id, bool block, string? reason,
        ClaimsPrincipal principal, AppDbContext db, IOpenIddictTokenManager tokens, CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("User does not have the right to block users.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        if (user.Username == "root" || user.Id == principal.UserId())
        {
            return ApiProblem.BadRequest(user.Username == "root" ? "Cannot block or unblock the root user." : "Cannot block or unblock yourself.");
        }

        if (!principal.IsAdmin() && user.Role != UserRole.User)
        {
            return ApiProblem.Forbidden("A moderator can only block users.");
        }

        if (reason is { Length: > 250 })
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["reason"] = "Should have a valid reason (at most 250 characters)." });
        }

        user.Blocked = block;
        user.BlockedReason = block && !string.IsNullOrWhiteSpace(reason) ? reason.Trim() : null;
        await db.SaveChangesAsync(ct);
        if (block)
        {
            await tokens.RevokeBySubjectAsync(user.Id.ToString(CultureInfo.InvariantCulture), ct);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// DELETE /api/v1/users/{id}: administrators only; never root nor oneself. The user's tokens go first, so nothing
    /// new arrives; then each video through the videos' own removal (row, then files), then what other features keep
    /// of the user (<see cref="IUserRemovalHandler"/>: unfinished uploads); the account and its channels go with the user row.
    /// </summary>
    public static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> DeleteUser(int id, ClaimsPrincipal principal, AppDbContext db, VideoRemoval removal,
        IOpenIddictTokenManager tokens, IEnumerable<IUserRemovalHandler> removalHandlers, ActorImages images, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only an administrator can delete users.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        if (user.Username == "root")
        {
            return ApiProblem.BadRequest("Cannot remove the root user.");
        }

        if (user.Id == principal.UserId())
        {
            return ApiProblem.BadRequest("Cannot remove yourself.");
        }

        await RemoveAsync(user, db, removal, tokens, removalHandlers, images, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Removes a user: tokens first, so nothing new arrives; then each video through the videos' own removal (row, then
    /// files), then what other features keep of the user (<see cref="IUserRemovalHandler"/>); the account and its
    /// channels go with the user row, and their images' files after it.
    /// </summary>
    internal static async Task RemoveAsync(User user, AppDbContext db, VideoRemoval removal, IOpenIddictTokenManager tokens,
        IEnumerable<IUserRemovalHandler> removalHandlers, ActorImages images, CancellationToken ct)
    {
        await tokens.RevokeBySubjectAsync(user.Id.ToString(CultureInfo.InvariantCulture), ct);

        var videos = await db.Videos.WithDetails().Where(v => v.Channel!.Account!.UserId == user.Id).ToListAsync(ct);
        foreach (var video in videos)
        {
            await removal.RemoveAsync(video, ct);
        }

        foreach (var handler in removalHandlers)
        {
            await handler.RemovingAsync(user.Id, ct);
        }

        var accountIds = await db.Accounts.Where(a => a.UserId == user.Id).Select(a => a.Id).ToListAsync(ct);
        var channelIds = await db.VideoChannels.Where(c => accountIds.Contains(c.AccountId)).Select(c => c.Id).ToListAsync(ct);
        var files = await images.AllOfAsync(accountIds, channelIds, ct);
        db.Users.Remove(user);
        await db.SaveChangesAsync(ct);
        images.DeleteFiles(files);
    }
}

/// <summary>PeerTube's <c>{ videoQuotaUsed, videoQuotaUsedDaily }</c> for the signed-in user.</summary>
public sealed record VideoQuotaUsedDto(long VideoQuotaUsed, long VideoQuotaUsedDaily);

/// <summary>PeerTube's answer to a user's creation: <c>{ user: { id, account: { id } } }</c>.</summary>
public sealed record UserCreatedDto(UserCreatedDto.UserRef User)
{
    public sealed record UserRef(int Id, AccountRef Account);

    public sealed record AccountRef(int Id);
}

/// <summary>A feature's part in removing a user: it drops what it keeps for them, before the user row goes.</summary>
public interface IUserRemovalHandler
{
    Task RemovingAsync(int userId, CancellationToken ct);
}
