using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace PeerTube.Net.Server.Features.Accounts.Registrations;

/// <summary><c>signup.allowed</c> in <c>GET /api/v1/config</c>: sign-up is on and the instance's user limit is not reached.</summary>
internal sealed class SignupConfigPart(IServiceScopeFactory scopes, CustomConfigStore config) : IServerConfigContributor
{
    public async Task ContributeAsync(JsonObject document, CancellationToken ct)
    {
        if (document["signup"] is not JsonObject signup)
        {
            return;
        }

        var allowed = config.Flag("signup", "enabled");
        var limit = config.Number("signup", "limit");
        if (allowed && limit >= 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            allowed = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Users.CountAsync(ct) < limit;
        }

        signup["allowed"] = allowed;
    }
}
