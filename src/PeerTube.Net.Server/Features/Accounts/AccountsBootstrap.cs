using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace PeerTube.Net.Server.Features.Accounts;

public static class AccountsBootstrap
{
    public const string ClientIdKey = "oauth.local.client_id";
    public const string ClientSecretKey = "oauth.local.client_secret";
    public const string RootPasswordVariable = "PT_INITIAL_ROOT_PASSWORD";

    /// <summary>First start: the local OAuth client and the root administrator. Later starts: nothing.</summary>
    public static async Task SeedAccountsAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<AppDbContext>();
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PeerTube.Net.Accounts");

        if (!await db.InstanceSettings.AnyAsync(s => s.Key == ClientIdKey))
        {
            var clientId = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var clientSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
            var applications = sp.GetRequiredService<IOpenIddictApplicationManager>();
            await applications.CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = clientId,
                ClientSecret = clientSecret,
                ClientType = OpenIddictConstants.ClientTypes.Confidential,
                DisplayName = "Local web and CLI client",
                Permissions =
                {
                    OpenIddictConstants.Permissions.Endpoints.Token,
                    OpenIddictConstants.Permissions.GrantTypes.Password,
                    OpenIddictConstants.Permissions.GrantTypes.RefreshToken,
                },
            });
            db.InstanceSettings.Add(new InstanceSetting { Key = ClientIdKey, Value = clientId });
            db.InstanceSettings.Add(new InstanceSetting { Key = ClientSecretKey, Value = clientSecret });
            await db.SaveChangesAsync();
        }

        if (!await db.Users.AnyAsync(u => u.Username == "root"))
        {
            // Environment variables are part of the configuration, so tests can set it per server.
            var fromEnvironment = sp.GetRequiredService<IConfiguration>()[RootPasswordVariable];
            var password = string.IsNullOrEmpty(fromEnvironment) ? RandomNumberGenerator.GetHexString(24, lowercase: true) : fromEnvironment;
            var users = sp.GetRequiredService<UserService>();
            await users.CreateAsync("root", "admin@localhost.invalid", password, UserRole.Administrator, -1, -1, null, CancellationToken.None);
            if (string.IsNullOrEmpty(fromEnvironment))
            {
                // Printed once, on the start that creates the account; never stored in clear.
                log.LogWarning("Created the administrator account 'root' with password: {Password}", password);
            }
            else
            {
                log.LogInformation("Created the administrator account 'root' with the password from {Variable}", RootPasswordVariable);
            }
        }
    }
}
