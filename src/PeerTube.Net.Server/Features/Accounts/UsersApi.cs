using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Instance;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Errors;

namespace PeerTube.Net.Server.Features.Accounts;

internal static class UsersApi
{
    public sealed record CreateUserRequest(
        string? Username, string? Password, string? Email, int? Role, long? VideoQuota, long? VideoQuotaDaily, string? ChannelName);

    public static async Task<IResult> GetMe(ClaimsPrincipal principal, AppDbContext db, UserService users, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var id = principal.UserId();
        var user = await db.Users.Include(u => u.Account!).ThenInclude(a => a.Channels).FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user?.Account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        var i = instance.Value;
        return TypedResults.Ok(new
        {
            id = user.Id,
            username = user.Username,
            email = user.Email,
            emailVerified = true,
            nsfwPolicy = "display",
            role = new IdLabel<int>((int)user.Role, AccountDtos.RoleLabel(user.Role)),
            videoQuota = user.VideoQuota,
            videoQuotaDaily = user.VideoQuotaDaily,
            videoQuotaUsed = await users.QuotaUsedAsync(user.Id, ct),
            blocked = user.Blocked,
            createdAt = user.CreatedAt,
            account = AccountDtos.Summary(user.Account, i),
            videoChannels = user.Account.Channels.OrderBy(c => c.Id).Select(c => AccountDtos.Channel(c, i)).ToList(),
        });
    }

    public static async Task<IResult> GetMyQuotaUsed(ClaimsPrincipal principal, UserService users, CancellationToken ct)
    {
        var used = await users.QuotaUsedAsync(principal.UserId() ?? 0, ct);
        return TypedResults.Ok(new { videoQuotaUsed = used, videoQuotaUsedDaily = used });
    }

    /// <summary>Admins create any user; moderators create plain users only (PeerTube's rule).</summary>
    public static async Task<IResult> CreateUser(CreateUserRequest body, ClaimsPrincipal principal, UserService users, CancellationToken ct)
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
        return TypedResults.Ok(new { user = new { id = user.Id, account = new { id = user.Account!.Id } } });
    }
}
