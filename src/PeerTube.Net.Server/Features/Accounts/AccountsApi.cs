using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts.Registrations;

namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>
/// The accounts' routes: OAuth (<see cref="OAuthApi"/>), users (<see cref="UsersApi"/>), and accounts as public actors
/// (GET /api/v1/accounts/{name} and the channels they own).
/// </summary>
internal static class AccountsApi
{
    private static readonly HashSet<string> ChannelSortColumns = ["id", "name", "updatedAt", "createdAt"];

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Accounts").DisableAntiforgery();
        api.MapGet("/oauth-clients/local", OAuthApi.GetLocalClient);
        api.MapGet("/accounts/{name}", GetAccount);
        api.MapGet("/accounts/{name}/video-channels", ListChannels);

        var login = api.MapGroup("").RequireRateLimiting(AccountsFeature.LoginRateLimit);
        login.MapPost("/users/token", OAuthApi.Token).Produces<OAuthTokenDto>().Produces<OAuthErrorDto>(StatusCodes.Status400BadRequest);

        var user = api.MapGroup("").RequireAuthorization();
        user.MapPost("/users/revoke-token", OAuthApi.RevokeToken);
        user.MapGet("/users/me", UsersApi.GetMe);
        user.MapGet("/users/me/video-quota-used", UsersApi.GetMyQuotaUsed);
        user.MapMeApi();
        user.MapPost("/users", UsersApi.CreateUser);
        user.MapGet("/users", UsersApi.ListUsers);
        user.MapGet("/users/{id:int}", UsersApi.GetUser);
        user.MapPut("/users/{id:int}", UsersApi.UpdateUser);
        user.MapDelete("/users/{id:int}", UsersApi.DeleteUser);
        user.MapPost("/users/{id:int}/block", UsersApi.BlockUser);
        user.MapPost("/users/{id:int}/unblock", UsersApi.UnblockUser);
        user.MapTwoFactorApi();
        app.MapRegistrationsApi();
        return app;
    }

    public static async Task<Results<Ok<AccountDto>, NotFoundProblem>> GetAccount(string name, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var account = LocalName(name, instance.Value) is { } local
            ? await db.Accounts.AsNoTracking().Include(a => a.Images).FirstOrDefaultAsync(a => a.Name == local, ct)
            : null;
        if (account is null)
        {
            return ApiProblem.NotFound("Account not found.");
        }

        return TypedResults.Ok(AccountDtos.Account(account, instance.Value));
    }

    public static async Task<Results<Ok<ListPage<ChannelDto>>, NotFoundProblem>> ListChannels(string name, HttpRequest request, AppDbContext db, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        var list = ListQuery.Read(request, ChannelSortColumns, "-createdAt");
        var local = LocalName(name, instance.Value);
        if (local is null || !await db.Accounts.AnyAsync(a => a.Name == local, ct))
        {
            return ApiProblem.NotFound("Account not found.");
        }

        var withStats = bool.TryParse(request.Query["withStats"], out var stats) && stats;
        var query = db.VideoChannels.AsNoTracking().Where(c => c.Account!.Name == local);
        return TypedResults.Ok(await ChannelStats.PageAsync(query, list, withStats, db, instance.Value, ct));
    }

    /// <summary>"name" or "name@our-host"; an account of another host is not ours to show (no federation yet).</summary>
    private static string? LocalName(string handle, InstanceOptions instance)
    {
        var at = handle.IndexOf('@');
        if (at < 0)
        {
            return handle;
        }

        return string.Equals(handle[(at + 1)..], instance.Host, StringComparison.OrdinalIgnoreCase) ? handle[..at] : null;
    }
}
