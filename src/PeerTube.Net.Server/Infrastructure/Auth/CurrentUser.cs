using System.Security.Claims;
using OpenIddict.Abstractions;

namespace PeerTube.Net.Server.Infrastructure.Auth;

public static class CurrentUser
{
    /// <summary>The authenticated user's id, or null for an anonymous request.</summary>
    public static int? UserId(this ClaimsPrincipal principal) =>
        int.TryParse(principal.GetClaim(OpenIddictConstants.Claims.Subject), out var id) ? id : null;

    public static bool IsAdmin(this ClaimsPrincipal principal) =>
        principal.GetClaim(AccountClaims.Role) == ((int)UserRole.Administrator).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool IsModeratorOrAdmin(this ClaimsPrincipal principal) =>
        principal.GetClaim(AccountClaims.Role) is "0" or "1";
}

public static class AccountClaims
{
    public const string Role = "pt_role";
}
