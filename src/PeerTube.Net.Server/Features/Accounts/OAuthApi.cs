using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>PeerTube's OAuth endpoints: the local client's credentials, the token endpoint (OpenIddict passthrough) and revocation.</summary>
internal static class OAuthApi
{
    public static async Task<IResult> GetLocalClient(AppDbContext db)
    {
        var settings = await db.InstanceSettingsAsync(AccountsBootstrap.ClientIdKey, AccountsBootstrap.ClientSecretKey);
        return TypedResults.Ok(new { client_id = settings[AccountsBootstrap.ClientIdKey], client_secret = settings[AccountsBootstrap.ClientSecretKey] });
    }

    public static async Task<IResult> Token(HttpContext http, UserService users, AppDbContext db)
    {
        var request = http.GetOpenIddictServerRequest()
            ?? throw new ApiProblemException(ApiProblem.BadRequest("The OAuth request cannot be read.", "invalid_request"));

        User? user;
        if (request.IsPasswordGrantType())
        {
            user = await users.FindByCredentialsAsync(request.Username ?? "", request.Password ?? "", http.RequestAborted);
            if (user is null)
            {
                return Reject(Errors.InvalidGrant, "Invalid grant: user credentials are invalid");
            }
        }
        else if (request.IsRefreshTokenGrantType())
        {
            var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var id = result.Principal?.UserId();
            user = id is null ? null : await db.Users.FindAsync([id.Value], http.RequestAborted);
            if (user is null)
            {
                return Reject(Errors.InvalidGrant, "Invalid grant: refresh token is invalid");
            }
        }
        else
        {
            return Reject(Errors.UnsupportedGrantType, "The grant type is not supported.");
        }

        if (user.Blocked)
        {
            return Reject(Errors.InvalidGrant, "User is blocked.");
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        identity.SetClaim(Claims.Name, user.Username);
        identity.SetClaim(AccountClaims.Role, ((int)user.Role).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // PeerTube clients never ask for scopes, yet always get a refresh token.
        identity.SetScopes(Scopes.OfflineAccess);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Reject(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>Revokes the token used for this request, and its refresh token with it.</summary>
    public static async Task<IResult> RevokeToken(ClaimsPrincipal principal, IOpenIddictTokenManager tokens, CancellationToken ct)
    {
        var authorizationId = principal.GetAuthorizationId();
        if (authorizationId is not null)
        {
            await tokens.RevokeByAuthorizationIdAsync(authorizationId, ct);
        }

        var tokenId = principal.GetTokenId();
        if (tokenId is not null && await tokens.FindByIdAsync(tokenId, ct) is { } token)
        {
            await tokens.TryRevokeAsync(token, ct);
        }

        return TypedResults.Ok(new { });
    }
}
