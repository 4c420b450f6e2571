using System.Security.Claims;

namespace PeerTube.Net.Server.Infrastructure.Auth;

/// <summary>Role rules for a whole route group, so no handler in it can forget them.</summary>
public static class RoleFilters
{
    /// <summary>Signed in (401 otherwise) and a moderator or an administrator (403 otherwise).</summary>
    public static RouteGroupBuilder RequireModerator(this RouteGroupBuilder group, string what)
    {
        group.RequireAuthorization();
        group.AddEndpointFilter(async (context, next) =>
        {
            var principal = context.HttpContext.User;
            if (principal.UserId() is null)
            {
                return ApiProblem.Unauthorized();
            }

            return principal.IsModeratorOrAdmin() ? await next(context) : ApiProblem.Forbidden($"Only moderators and administrators {what}.");
        });
        return group;
    }

    /// <summary>Signed in (401 otherwise) and an administrator (403 otherwise).</summary>
    public static RouteGroupBuilder RequireAdministrator(this RouteGroupBuilder group, string what)
    {
        group.RequireAuthorization();
        group.AddEndpointFilter(async (context, next) =>
        {
            var principal = context.HttpContext.User;
            if (principal.UserId() is null)
            {
                return ApiProblem.Unauthorized();
            }

            return principal.IsAdmin() ? await next(context) : ApiProblem.Forbidden($"Only administrators {what}.");
        });
        return group;
    }

    public static bool IsSignedIn(this ClaimsPrincipal principal) => principal.UserId() is not null;
}
