using System.Security.Claims;
using Microsoft.AspNetCore;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using OpenIddict.Validation.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace PeerTube.Net.Server.Features.Accounts;

public static class AccountsFeature
{
    public const string LoginRateLimit = "login";
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromDays(1);
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromDays(14);

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<UserService>();
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();

        services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<AppDbContext>())
            .AddServer(o =>
            {
                o.SetTokenEndpointUris("api/v1/users/token");
                o.AllowPasswordFlow().AllowRefreshTokenFlow();
                // Opaque tokens, stored server-side: revocable, as PeerTube's are.
                o.UseReferenceAccessTokens().UseReferenceRefreshTokens();
                o.SetAccessTokenLifetime(AccessTokenLifetime).SetRefreshTokenLifetime(RefreshTokenLifetime);
                // PeerTube's clients send scopes ("upload", …) that PeerTube itself ignores; so do we.
                o.DisableScopeValidation().IgnoreScopePermissions();
                o.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();
                o.AddEventHandler<OpenIddictServerEvents.ApplyTokenResponseContext>(h => h.UseInlineHandler(ShapeTokenResponse));
            })
            .AddValidation(o =>
            {
                o.UseLocalServer();
                o.UseAspNetCore();
            });

        // Keys live under Storage:Root so tokens survive restarts (and are shared by nodes sharing the storage).
        services.AddOptions<OpenIddictServerOptions>().Configure<StoragePaths>((o, paths) =>
        {
            o.SigningCredentials.Add(new SigningCredentials(LoadOrCreateRsaKey(paths, "token-signing.pem"), SecurityAlgorithms.RsaSha256));
            o.EncryptionCredentials.Add(new EncryptingCredentials(LoadOrCreateKey(paths, "token-encryption.key"),
                SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        });

        services.AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme);
        services.AddAuthorization();

        services.AddRateLimiter(o =>
        {
            o.OnRejected = async (context, ct) =>
                await new ApiProblem(429, "You have reached the maximum number of login attempts. Please try again later.", "too_many_requests")
                    .ExecuteAsync(context.HttpContext);
            o.AddPolicy(LoginRateLimit, http =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.Login;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.PermitLimit,
                        Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                        QueueLimit = 0,
                    });
            });
        });

        return builder;
    }

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/oauth-clients/local", GetLocalClient);
        api.MapPost("/users/token", Token).RequireRateLimiting(LoginRateLimit).DisableAntiforgery();
        api.MapPost("/users/revoke-token", RevokeToken).RequireAuthorization();
        api.MapGet("/users/me", UsersApi.GetMe).RequireAuthorization();
        api.MapGet("/users/me/video-quota-used", UsersApi.GetMyQuotaUsed).RequireAuthorization();
        api.MapPost("/users", UsersApi.CreateUser).RequireAuthorization();
        api.MapGet("/users", UsersApi.ListUsers).RequireAuthorization();
        api.MapGet("/users/{id:int}", UsersApi.GetUser).RequireAuthorization();
        api.MapPut("/users/{id:int}", UsersApi.UpdateUser).RequireAuthorization();
        api.MapDelete("/users/{id:int}", UsersApi.DeleteUser).RequireAuthorization();
        api.MapGet("/accounts/{name}", AccountsApi.GetAccount);
        api.MapGet("/accounts/{name}/video-channels", AccountsApi.ListChannels);
        return app;
    }

    private static async Task<IResult> GetLocalClient(AppDbContext db)
    {
        var settings = await db.InstanceSettingsAsync(AccountsBootstrap.ClientIdKey, AccountsBootstrap.ClientSecretKey);
        return TypedResults.Ok(new { client_id = settings[AccountsBootstrap.ClientIdKey], client_secret = settings[AccountsBootstrap.ClientSecretKey] });
    }

    private static async Task<IResult> Token(HttpContext http, UserService users, AppDbContext db)
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
    private static async Task<IResult> RevokeToken(ClaimsPrincipal principal, IOpenIddictTokenManager tokens, CancellationToken ct)
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

    /// <summary>PeerTube's token response carries refresh_token_expires_in, and its errors carry code/detail/status.</summary>
    private static ValueTask ShapeTokenResponse(OpenIddictServerEvents.ApplyTokenResponseContext context)
    {
        var response = context.Response;
        if (string.IsNullOrEmpty(response.Error))
        {
            if (response.RefreshToken is not null)
            {
                response["refresh_token_expires_in"] = (long)RefreshTokenLifetime.TotalSeconds;
            }

            return ValueTask.CompletedTask;
        }

        var code = response.Error;
        var message = response.ErrorDescription ?? code;
        var status = code == Errors.InvalidClient ? 401 : 400;
        var problem = new ApiProblem(status, message, code).ToBody();
        foreach (var (key, value) in problem)
        {
            response[key] = value switch
            {
                int i => i,
                string s => s,
                _ => value?.ToString(),
            };
        }

        response.ErrorDescription = null;
        response.ErrorUri = null;
        return ValueTask.CompletedTask;
    }

    private static RsaSecurityKey LoadOrCreateRsaKey(StoragePaths paths, string name)
    {
        var path = Path.Combine(paths.Keys, name);
        if (!File.Exists(path))
        {
            using var created = System.Security.Cryptography.RSA.Create(2048);
            File.WriteAllText(path + ".tmp", created.ExportRSAPrivateKeyPem());
            File.Move(path + ".tmp", path, overwrite: true);
        }

        var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(path));
        return new RsaSecurityKey(rsa) { KeyId = "peertube-net-" + name };
    }

    private static SymmetricSecurityKey LoadOrCreateKey(StoragePaths paths, string name)
    {
        var path = Path.Combine(paths.Keys, name);
        if (!File.Exists(path))
        {
            var tmp = path + ".tmp";
            File.WriteAllBytes(tmp, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            File.Move(tmp, path, overwrite: true);
        }

        return new SymmetricSecurityKey(File.ReadAllBytes(path));
    }
}
