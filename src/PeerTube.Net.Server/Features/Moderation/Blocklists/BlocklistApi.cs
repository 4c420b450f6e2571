using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

public sealed record BlockBySubscriptionDto(int Id, string Name, string Url);

public sealed record AccountBlockDto(AccountDto ByAccount, AccountDto BlockedAccount, DateTimeOffset CreatedAt, BlockBySubscriptionDto? BlocklistSubscription);

public sealed record BlockedServerDto(string Host);

public sealed record ServerBlockDto(AccountDto ByAccount, BlockedServerDto BlockedServer, DateTimeOffset CreatedAt, BlockBySubscriptionDto? BlocklistSubscription);

public sealed record BlockStatusEntry(bool BlockedByServer, string? BlockedByServerSubscription, bool BlockedByUser);

public sealed record BlockStatusDto(Dictionary<string, BlockStatusEntry> Accounts, Dictionary<string, BlockStatusEntry> Hosts);

public sealed record BlockAccountRequest(string? AccountName);

public sealed record BlockServerRequest(string? Host);

/// <summary>
/// PeerTube's blocklists: the instance's (<c>/api/v1/server/blocklist/…</c>, for moderators and administrators) and each
/// user's own (<c>/api/v1/users/me/blocklist/…</c>), of accounts (by handle) and of whole hosts, and
/// <c>/api/v1/blocklist/status</c> to ask what is blocked. Blocked content leaves video and comment lists; the
/// instance's blocks also close its inbox to them and end the follows with a blocked host.
/// </summary>
public static class BlocklistApi
{
    private static readonly HashSet<string> AccountSortColumns = ["createdAt"];
    private static readonly HashSet<string> ServerSortColumns = ["createdAt", "host"];

    public static IEndpointRouteBuilder MapBlocklistApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Blocklists").DisableAntiforgery();
        api.MapGet("/blocklist/status", StatusAsync);

        var server = api.MapGroup("/server/blocklist").RequireModerator("manage the instance's blocklist");
        MapLevel(server, _ => null);

        var mine = api.MapGroup("/users/me/blocklist").RequireAuthorization();
        MapLevel(mine, p => p.UserId());
        return app;
    }

    /// <summary>The same four routes at both levels; <paramref name="owner"/> is null for the instance, the user's id for theirs.</summary>
    private static void MapLevel(RouteGroupBuilder group, Func<ClaimsPrincipal, int?> owner)
    {
        group.MapGet("/accounts", (HttpRequest r, ClaimsPrincipal p, AppDbContext db, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ListAccountsAsync(r, owner(p), db, i.Value, ct));
        group.MapPost("/accounts", (BlockAccountRequest body, ClaimsPrincipal p, AppDbContext db, Blocklists blocklists, IOptions<InstanceOptions> i, CancellationToken ct) =>
            BlockAccountAsync(body, owner(p), p, db, blocklists, i.Value, ct));
        group.MapDelete("/accounts/{accountName}", (string accountName, ClaimsPrincipal p, AppDbContext db, Blocklists blocklists, IOptions<InstanceOptions> i, CancellationToken ct) =>
            UnblockAccountAsync(accountName, owner(p), db, blocklists, i.Value, ct));
        group.MapGet("/servers", (HttpRequest r, ClaimsPrincipal p, AppDbContext db, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ListServersAsync(r, owner(p), db, i.Value, ct));
        group.MapPost("/servers", (BlockServerRequest body, ClaimsPrincipal p, Blocklists blocklists, IOptions<InstanceOptions> i, CancellationToken ct) =>
            BlockServerAsync(body, owner(p), blocklists, i.Value, ct));
        group.MapDelete("/servers/{host}", (string host, ClaimsPrincipal p, Blocklists blocklists, CancellationToken ct) =>
            UnblockServerAsync(host, owner(p), blocklists, ct));
    }

    private static async Task<Ok<ListPage<AccountBlockDto>>> ListAccountsAsync(HttpRequest request, int? owner, AppDbContext db, InstanceOptions instance, CancellationToken ct)
    {
        var list = ListQuery.Read(request, AccountSortColumns, "-createdAt");
        var query = db.AccountBlocks.AsNoTracking().Where(b => b.ByUserId == owner);
        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var pattern = $"%{search.ToLowerInvariant()}%";
            query = query.Where(b => EF.Functions.Like(b.TargetAccount!.Name.ToLower(), pattern) || EF.Functions.Like(b.TargetAccount!.DisplayName.ToLower(), pattern));
        }

        var total = await query.CountAsync(ct);
        var ordered = list.Descending ? query.OrderByDescending(b => b.CreatedAt) : query.OrderBy(b => b.CreatedAt);
        var rows = await ordered.ThenBy(b => b.Id).Skip(list.Start).Take(list.Count).Include(b => b.TargetAccount).Include(b => b.Subscription).ToListAsync(ct);
        var by = await ByAccountAsync(owner, db, instance, ct);
        return TypedResults.Ok(new ListPage<AccountBlockDto>(total, rows.Select(b =>
            new AccountBlockDto(by, AccountDtos.Account(b.TargetAccount!, instance), b.CreatedAt, Summary(b.Subscription))).ToList()));
    }

    private static async Task<Ok<ListPage<ServerBlockDto>>> ListServersAsync(HttpRequest request, int? owner, AppDbContext db, InstanceOptions instance, CancellationToken ct)
    {
        var list = ListQuery.Read(request, ServerSortColumns, "-createdAt");
        var query = db.ServerBlocks.AsNoTracking().Where(b => b.ByUserId == owner);
        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var pattern = $"%{search.ToLowerInvariant()}%";
            query = query.Where(b => EF.Functions.Like(b.Host, pattern));
        }

        var total = await query.CountAsync(ct);
        var ordered = list.Column == "host"
            ? list.Descending ? query.OrderByDescending(b => b.Host) : query.OrderBy(b => b.Host)
            : list.Descending ? query.OrderByDescending(b => b.CreatedAt) : query.OrderBy(b => b.CreatedAt);
        var rows = await ordered.ThenBy(b => b.Id).Skip(list.Start).Take(list.Count).Include(b => b.Subscription).ToListAsync(ct);
        var by = await ByAccountAsync(owner, db, instance, ct);
        return TypedResults.Ok(new ListPage<ServerBlockDto>(total, rows.Select(b =>
            new ServerBlockDto(by, new BlockedServerDto(b.Host), b.CreatedAt, Summary(b.Subscription))).ToList()));
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem, ConflictProblem>> BlockAccountAsync(BlockAccountRequest body, int? owner,
        ClaimsPrincipal principal, AppDbContext db, Blocklists blocklists, InstanceOptions instance, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.AccountName) || body.AccountName.Length > 600)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["accountName"] = "Should have a valid account name (name or name@host)." });
        }

        var account = await FindAccountAsync(body.AccountName.Trim(), db, instance, ct);
        if (account is null)
        {
            return ApiProblem.NotFound("Account not found.");
        }

        if (account.UserId is { } userId && userId == principal.UserId())
        {
            return ApiProblem.Conflict("You cannot block yourself.");
        }

        await blocklists.BlockAccountAsync(owner, account, subscriptionId: null, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFoundProblem>> UnblockAccountAsync(string accountName, int? owner, AppDbContext db, Blocklists blocklists,
        InstanceOptions instance, CancellationToken ct)
    {
        var account = await FindAccountAsync(accountName, db, instance, ct);
        return account is not null && await blocklists.UnblockAccountAsync(owner, account, onlyFromSubscription: null, ct)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("Account block entry not found.");
    }

    private static async Task<Results<NoContent, BadRequestProblem, ConflictProblem>> BlockServerAsync(BlockServerRequest body, int? owner, Blocklists blocklists,
        InstanceOptions instance, CancellationToken ct)
    {
        var host = Blocklists.NormalizeHost(body.Host);
        if (host is null)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["host"] = "Should have a valid host (example.org or example.org:8080)." });
        }

        if (string.Equals(host, instance.Host, StringComparison.OrdinalIgnoreCase))
        {
            return ApiProblem.Conflict("You cannot block your own server.");
        }

        await blocklists.BlockServerAsync(owner, host, subscriptionId: null, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFoundProblem>> UnblockServerAsync(string host, int? owner, Blocklists blocklists, CancellationToken ct) =>
        Blocklists.NormalizeHost(host) is { } normalized && await blocklists.UnblockServerAsync(owner, normalized, onlyFromSubscription: null, ct)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("Server block entry not found.");

    /// <summary>
    /// <c>GET /api/v1/blocklist/status?accounts=a@host&amp;hosts=host</c>: for each, whether the instance blocks it (and through
    /// which subscription) and, for a signed-in caller, whether they do. Anyone may ask, as on PeerTube.
    /// </summary>
    private static async Task<Results<Ok<BlockStatusDto>, BadRequestProblem>> StatusAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var handles = Values(request, "accounts");
        var hosts = Values(request, "hosts");
        if (handles.Count > 100 || hosts.Count > 100)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["accounts"] = "Should ask for at most 100 accounts and 100 hosts." });
        }

        var me = principal.UserId();
        var accounts = new Dictionary<string, BlockStatusEntry>();
        foreach (var handle in handles)
        {
            var account = await FindAccountAsync(handle, db, instance.Value, ct);
            if (account is null)
            {
                accounts[handle] = new BlockStatusEntry(false, null, false);
                continue;
            }

            var blocks = await db.AccountBlocks.AsNoTracking().Where(b => b.TargetAccountId == account.Id && (b.ByUserId == null || (me != null && b.ByUserId == me)))
                .Select(b => new { b.ByUserId, Subscription = b.Subscription!.Name }).ToListAsync(ct);
            var byServer = blocks.FirstOrDefault(b => b.ByUserId is null);
            accounts[handle] = new BlockStatusEntry(byServer is not null, byServer?.Subscription, blocks.Any(b => b.ByUserId is not null));
        }

        var hostStatus = new Dictionary<string, BlockStatusEntry>();
        foreach (var asked in hosts)
        {
            var host = Blocklists.NormalizeHost(asked);
            var blocks = host is null
                ? []
                : await db.ServerBlocks.AsNoTracking().Where(b => b.Host == host && (b.ByUserId == null || (me != null && b.ByUserId == me)))
                    .Select(b => new { b.ByUserId, Subscription = b.Subscription!.Name }).ToListAsync(ct);
            var byServer = blocks.FirstOrDefault(b => b.ByUserId is null);
            hostStatus[asked] = new BlockStatusEntry(byServer is not null, byServer?.Subscription, blocks.Any(b => b.ByUserId is not null));
        }

        return TypedResults.Ok(new BlockStatusDto(accounts, hostStatus));
    }

    /// <summary>Repeated (<c>hosts=a&amp;hosts=b</c>) or bracketed (<c>hosts[]=a</c>) query values, as PeerTube's clients send them.</summary>
    private static List<string> Values(HttpRequest request, string name) =>
        request.Query[name].Concat(request.Query[name + "[]"]).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct().ToList();

    /// <summary>An account by handle: "name" or "name@our-host" for ours, "name@their-host" for one we know of.</summary>
    private static Task<Account?> FindAccountAsync(string handle, AppDbContext db, InstanceOptions instance, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance);
        return db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
    }

    /// <summary>Who blocks: the user's account, or for the instance its actor's account (PeerTube's "peertube" account).</summary>
    private static async Task<AccountDto> ByAccountAsync(int? owner, AppDbContext db, InstanceOptions instance, CancellationToken ct)
    {
        var account = owner is null ? null : await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == owner, ct);
        return AccountDtos.Account(account ?? new Account { Name = "peertube", DisplayName = instance.Name }, instance);
    }

    private static BlockBySubscriptionDto? Summary(BlocklistSubscription? s) => s is null ? null : new BlockBySubscriptionDto(s.Id, s.Name, s.Url);
}
