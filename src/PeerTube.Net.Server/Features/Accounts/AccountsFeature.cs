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
        services.AddSingleton<IServerConfigContributor, Registrations.SignupConfigPart>();
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
            {
                var path = context.HttpContext.Request.Path;
                var message = path.StartsWithSegments("/api/v1/users/token")
                    ? "You have reached the maximum number of login attempts. Please try again later."
                    : "Too many requests from this address. Please try again later.";
                context.HttpContext.Response.Headers.RetryAfter = "300";
                await new ApiProblem(429, message, "too_many_requests").ExecuteAsync(context.HttpContext);
            };
            foreach (var (policy, pick) in new (string, Func<RateLimitOptions, RateLimitOptions.WindowLimit>)[]
                     {
                         (LoginRateLimit, r => r.Login), (Registrations.RegistrationsApi.SignupRateLimit, r => r.Signup),
                         (Registrations.RegistrationsApi.AskEmailRateLimit, r => r.AskEmail), (Registrations.RegistrationsApi.VerifyRateLimit, r => r.Verify),
                     })
            {
                o.AddPolicy(policy, http =>
                {
                    var limits = pick(http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
                    return RateLimitPartition.GetFixedWindowLimiter($"{policy}:{http.Connection.RemoteIpAddress}",
                        _ => new FixedWindowRateLimiterOptions
                        {
                            PermitLimit = limits.PermitLimit,
                            Window = TimeSpan.FromSeconds(limits.WindowSeconds),
                            QueueLimit = 0,
                        });
                });
            }
        });

        return builder;
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

    private static SymmetricSecurityKey LoadOrCreateKey(StoragePaths paths, string name) => new(paths.LoadOrCreateKey(name));
}
