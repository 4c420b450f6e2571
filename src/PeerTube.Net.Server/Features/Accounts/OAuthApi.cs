using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>PeerTube's OAuth endpoints: the local client's credentials, the token endpoint (OpenIddict passthrough) and revocation.</summary>
internal static class OAuthApi
{
    public static async Task<Ok<OAuthClientDto>> GetLocalClient(AppDbContext db)
    {
        var settings = await db.InstanceSettingsAsync(AccountsBootstrap.ClientIdKey, AccountsBootstrap.ClientSecretKey);
        return TypedResults.Ok(new OAuthClientDto(settings[AccountsBootstrap.ClientIdKey], settings[AccountsBootstrap.ClientSecretKey]));
    }

    /// <summary>
    /// OpenIddict writes both the token and the OAuth error (<c>{ error, error_description }</c>, which clients parse):
    /// the handler only signs in or refuses. The route declares the bodies for the OpenAPI document.
    /// </summary>
    public static async Task<Results<SignInHttpResult, ForbidHttpResult, UnauthorizedProblem, ForbiddenProblem>> Token(HttpContext http, UserService users, AppDbContext db,
        CustomConfigStore config, SecretBox box, TimeProvider clock)
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

        // A sign-up whose address was never checked waits for the link we mailed (PeerTube's requiresEmailVerification).
        if (user.EmailVerified == false && config.Flag("signup", "requiresEmailVerification"))
        {
            return Reject(Errors.InvalidGrant, "User email is not verified.");
        }

        // Two-factor: the password is not enough, the app's code comes in x-peertube-otp (PeerTube's answers when it does not).
        if (request.IsPasswordGrantType() && user.OtpSecret is { } secret)
        {
            var code = http.Request.Headers[TwoFactor.Header].ToString().Trim();
            if (code.Length == 0)
            {
                http.Response.Headers[TwoFactor.Header] = "required; app";
                return ApiProblem.Unauthorized("Missing two factor header.", "missing_two_factor");
            }

            if (TwoFactor.Verify(box.Open(secret), code, clock, user.OtpLastStep) is not { } step)
            {
                return ApiProblem.Forbidden("Invalid two factor header.", "invalid_two_factor");
            }

            user.OtpLastStep = step;
            await db.SaveChangesAsync(http.RequestAborted);
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        identity.SetClaim(Claims.Name, user.Username);
        identity.SetClaim(AccountClaims.Role, ((int)user.Role).ToString(System.Globalization.CultureInfo.InvariantCulture));
        // PeerTube clients never ask for scopes, yet always get a refresh token.
        identity.SetScopes(Scopes.OfflineAccess);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return TypedResults.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static ForbidHttpResult Reject(string error, string description) =>
        TypedResults.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>Revokes the token used for this request, and its refresh token with it.</summary>
    public static async Task<Ok<EmptyDto>> RevokeToken(ClaimsPrincipal principal, IOpenIddictTokenManager tokens, CancellationToken ct)
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

        return TypedResults.Ok(new EmptyDto());
    }
}

/// <summary>PeerTube's local OAuth client: <c>{ client_id, client_secret }</c>.</summary>
public sealed record OAuthClientDto(
    [property: JsonPropertyName("client_id")] string ClientId,
    [property: JsonPropertyName("client_secret")] string ClientSecret);

/// <summary>The token endpoint's answer, as OpenIddict writes it (for the OpenAPI document only).</summary>
public sealed record OAuthTokenDto(
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string RefreshToken);

/// <summary>The token endpoint's refusal, as OpenIddict writes it (for the OpenAPI document only).</summary>
public sealed record OAuthErrorDto(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>An empty JSON object, <c>{}</c>.</summary>
public sealed record EmptyDto;
