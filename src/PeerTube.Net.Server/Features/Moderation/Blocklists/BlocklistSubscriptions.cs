using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

public sealed record SyncStateDto(int Id, string Label);

public sealed record BlocklistSubscriptionDto(int Id, string Name, string Url, int MutedAccountsCount, int MutedServersCount, DateTimeOffset? LastSyncAt,
    SyncStateDto State, string? Error, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AddBlocklistSubscriptionRequest(string? Url);

/// <summary>One entry of a public blocklist (PeerTube's AutoMuteList): <c>block</c> or <c>unblock</c> of a host or an account handle.</summary>
public sealed record AutoMuteAction(string Type, string Target, DateTimeOffset CreatedAt);

public sealed record AutoMuteList(string Name, IReadOnlyList<AutoMuteAction> Actions);

/// <summary>
/// Blocklists an instance subscribes to: another instance's public blocklist log (<c>/api/v1/server/blocklist/public-log</c>,
/// PeerTube's AutoMuteList) or any URL answering the same shape. Adding one reads it at once; <see cref="BlocklistRefresher"/>
/// reads each again on a timer, asking only for what came after the newest action it has seen. Its blocks are the
/// instance's, marked with the subscription; an unblock in the list removes only the blocks it made, and so does
/// deleting the subscription.
/// </summary>
public static class BlocklistSubscriptionsApi
{
    public const int MaxActions = 10_000;

    public static IEndpointRouteBuilder MapBlocklistSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/server/blocklist").WithTags("Blocklists").DisableAntiforgery();
        api.MapGet("/public-log", PublicLogAsync);

        var admin = api.MapGroup("/subscriptions").RequireModerator("manage blocklist subscriptions");
        admin.MapGet("", ListAsync);
        admin.MapPost("", AddAsync);
        admin.MapDelete("/{id:int}", DeleteAsync);
        return app;
    }

    /// <summary>The instance's own blocks and unblocks since <c>startDate</c>, oldest first, at most 500: what others subscribe to.</summary>
    private static async Task<Results<Ok<AutoMuteList>, BadRequestProblem>> PublicLogAsync(HttpRequest request, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var since = DateTimeOffset.MinValue;
        if (request.Query["startDate"].ToString() is { Length: > 0 } text
            && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out since))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["startDate"] = "Should have a valid ISO 8601 start date." });
        }

        var rows = await db.BlocklistLog.AsNoTracking().Where(l => l.ByUserId == null && l.CreatedAt > since)
            .OrderBy(l => l.CreatedAt).ThenBy(l => l.Id).Take(500).ToListAsync(ct);
        return TypedResults.Ok(new AutoMuteList(instance.Value.Name,
            rows.Select(l => new AutoMuteAction(l.Action == "add" ? "block" : "unblock", l.Target, l.CreatedAt)).ToList()));
    }

    private static async Task<Ok<ListPage<BlocklistSubscriptionDto>>> ListAsync(HttpRequest request, AppDbContext db, CancellationToken ct)
    {
        var list = ListQuery.Read(request, new HashSet<string> { "createdAt", "name" }, "-createdAt");
        var query = db.BlocklistSubscriptions.AsNoTracking();
        var total = await query.CountAsync(ct);
        var ordered = list.Column == "name"
            ? list.Descending ? query.OrderByDescending(s => s.Name) : query.OrderBy(s => s.Name)
            : list.Descending ? query.OrderByDescending(s => s.CreatedAt) : query.OrderBy(s => s.CreatedAt);
        var accountBlocks = db.AccountBlocks;
        var serverBlocks = db.ServerBlocks;
        var rows = await ordered.ThenBy(s => s.Id).Skip(list.Start).Take(list.Count)
            .Select(s => new
            {
                Subscription = s,
                Accounts = accountBlocks.Count(b => b.SubscriptionId == s.Id),
                Servers = serverBlocks.Count(b => b.SubscriptionId == s.Id),
            }).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<BlocklistSubscriptionDto>(total, rows.Select(r => Dto(r.Subscription, r.Accounts, r.Servers)).ToList()));
    }

    private static async Task<Results<Ok<BlocklistSubscriptionDto>, BadRequestProblem, ConflictProblem>> AddAsync(AddBlocklistSubscriptionRequest body, AppDbContext db,
        BlocklistRefresher refresher, TimeProvider clock, CancellationToken ct)
    {
        if (!Uri.TryCreate(body.Url?.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.AbsoluteUri.Length > 2000)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["url"] = "Should have a valid http(s) URL." });
        }

        if (await db.BlocklistSubscriptions.AnyAsync(s => s.Url == url.AbsoluteUri, ct))
        {
            return ApiProblem.Conflict("This blocklist is already subscribed to.");
        }

        var fetched = await refresher.FetchAsync(url, since: null, ct);
        if (fetched.List is null)
        {
            return ApiProblem.BadRequest($"Cannot fetch or parse the blocklist at this URL: {fetched.Error}.", "invalid_blocklist");
        }

        var now = clock.GetUtcNow();
        var subscription = new BlocklistSubscription { Name = fetched.List.Name, Url = url.AbsoluteUri, CreatedAt = now, UpdatedAt = now };
        db.BlocklistSubscriptions.Add(subscription);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return ApiProblem.Conflict("This blocklist is already subscribed to.");
        }

        await refresher.ApplyAsync(subscription.Id, fetched.List, ct);
        var saved = await db.BlocklistSubscriptions.AsNoTracking().FirstAsync(s => s.Id == subscription.Id, ct);
        return TypedResults.Ok(Dto(saved, await db.AccountBlocks.CountAsync(b => b.SubscriptionId == saved.Id, ct),
            await db.ServerBlocks.CountAsync(b => b.SubscriptionId == saved.Id, ct)));
    }

    /// <summary>Ends the subscription and the blocks it made (each logged as an unblock), in one transaction.</summary>
    private static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(int id, AppDbContext db, Blocklists blocklists, CancellationToken ct)
    {
        var subscription = await db.BlocklistSubscriptions.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (subscription is null)
        {
            return ApiProblem.NotFound("Blocklist subscription not found.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var host in await db.ServerBlocks.Where(b => b.SubscriptionId == id).Select(b => b.Host).ToListAsync(ct))
        {
            await blocklists.UnblockServerAsync(null, host, id, ct);
        }

        foreach (var account in await db.AccountBlocks.Where(b => b.SubscriptionId == id).Select(b => b.TargetAccount!).ToListAsync(ct))
        {
            await blocklists.UnblockAccountAsync(null, account, id, ct);
        }

        db.BlocklistSubscriptions.Remove(subscription);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static BlocklistSubscriptionDto Dto(BlocklistSubscription s, int accounts, int servers) =>
        new(s.Id, s.Name, s.Url, accounts, servers, s.LastSyncAt, new SyncStateDto((int)s.State, Label(s.State)), s.LastError, s.CreatedAt, s.UpdatedAt);

    private static string Label(BlocklistSyncState state) => state switch
    {
        BlocklistSyncState.WaitingFirstRun => "Waiting first run",
        BlocklistSyncState.Processing => "Processing",
        BlocklistSyncState.Synced => "Synchronized",
        _ => "Failed",
    };

    /// <summary>Reads an AutoMuteList, refusing anything not of its shape (PeerTube's checks), with at most <see cref="MaxActions"/> actions.</summary>
    public static AutoMuteList? Parse(JsonElement root, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "expected an object";
            return null;
        }

        if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Trim() is not { Length: > 0 and <= 200 } listName)
        {
            error = "name must be a non-empty string";
            return null;
        }

        if (!root.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array)
        {
            error = "actions must be an array";
            return null;
        }

        if (actions.GetArrayLength() > MaxActions)
        {
            error = $"more than {MaxActions} actions";
            return null;
        }

        var parsed = new List<AutoMuteAction>();
        var index = 0;
        foreach (var action in actions.EnumerateArray())
        {
            if (action.ValueKind != JsonValueKind.Object
                || !action.TryGetProperty("type", out var type) || type.GetString() is not ("block" or "unblock")
                || !action.TryGetProperty("target", out var target) || target.ValueKind != JsonValueKind.String || target.GetString()!.Trim() is not { Length: > 0 and <= 600 } targetText
                || !action.TryGetProperty("createdAt", out var created) || created.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(created.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var createdAt))
            {
                error = $"action {index} is not {{ type: block|unblock, target, createdAt }}";
                return null;
            }

            parsed.Add(new AutoMuteAction(type.GetString()!, targetText, createdAt));
            index++;
        }

        return new AutoMuteList(listName, parsed);
    }
}

public sealed class BlocklistOptions
{
    public const string Section = "Moderation:Blocklists";

    /// <summary>How often each subscribed blocklist is read again.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 7 * 24 * 3600)]
    public int RefreshIntervalSeconds { get; set; } = 3600;
}

/// <summary>Reads subscribed blocklists (through the federation client: SSRF guard, size and time limits) and applies them.</summary>
public sealed partial class BlocklistRefresher(IServiceScopeFactory scopes, IOptions<BlocklistOptions> options, TimeProvider clock, ILogger<BlocklistRefresher> log)
    : BackgroundService
{
    public sealed record FetchOutcome(AutoMuteList? List, string? Error);

    // One application at a time on this node: a subscription's first application (in the request that adds it) and the
    // periodic refresh would otherwise both find a host unblocked and both block it.
    private readonly SemaphoreSlim _applying = new(1, 1);

    public async Task<FetchOutcome> FetchAsync(Uri url, DateTimeOffset? since, CancellationToken ct)
    {
        var target = since is null ? url : new UriBuilder(url)
        {
            Query = (url.Query.Length > 1 ? url.Query[1..] + "&" : "") + "startDate=" + Uri.EscapeDataString(since.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)),
        }.Uri;
        await using var scope = scopes.CreateAsyncScope();
        var http = scope.ServiceProvider.GetRequiredService<FederationHttpClient>();
        var fetched = await http.GetActivityAsync(target, signer: null, ct);
        using var document = fetched.Document;
        if (!fetched.Ok || document is null || fetched.Status is < 200 or > 299)
        {
            return new FetchOutcome(null, fetched.Error ?? $"HTTP {fetched.Status}");
        }

        var list = BlocklistSubscriptionsApi.Parse(document.RootElement, out var error);
        return new FetchOutcome(list, error);
    }

    /// <summary>
    /// Applies the actions in order. Hosts are blocked whether or not we know them; an account is blocked when we
    /// know it (an unknown account has no content here to hide). Applying the same list twice changes nothing.
    /// </summary>
    public async Task ApplyAsync(int subscriptionId, AutoMuteList list, CancellationToken ct)
    {
        await _applying.WaitAsync(ct);
        try
        {
            await ApplyOnceAsync(subscriptionId, list, ct);
        }
        finally
        {
            _applying.Release();
        }
    }

    private async Task ApplyOnceAsync(int subscriptionId, AutoMuteList list, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var blocklists = scope.ServiceProvider.GetRequiredService<Blocklists>();
        var instance = scope.ServiceProvider.GetRequiredService<IOptions<InstanceOptions>>().Value;
        foreach (var action in list.Actions)
        {
            if (action.Target.Contains('@'))
            {
                var name = Handles.Local(action.Target, instance);
                var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name, ct);
                if (account is null || account.IsLocal)
                {
                    continue; // Another instance's list never mutes our own accounts.
                }

                _ = action.Type == "block"
                    ? await blocklists.BlockAccountAsync(null, account, subscriptionId, ct)
                    : await blocklists.UnblockAccountAsync(null, account, subscriptionId, ct);
            }
            else if (Blocklists.NormalizeHost(action.Target) is { } host && !string.Equals(host, instance.Host, StringComparison.OrdinalIgnoreCase))
            {
                _ = action.Type == "block"
                    ? await blocklists.BlockServerAsync(null, host, subscriptionId, ct)
                    : await blocklists.UnblockServerAsync(null, host, subscriptionId, ct);
            }
        }

        var subscription = await db.BlocklistSubscriptions.FirstAsync(s => s.Id == subscriptionId, ct);
        subscription.Name = list.Name;
        subscription.State = BlocklistSyncState.Synced;
        subscription.LastError = null;
        subscription.LastSyncAt = subscription.UpdatedAt = clock.GetUtcNow();
        if (list.Actions.Count > 0)
        {
            var newest = list.Actions.Max(a => a.CreatedAt);
            subscription.LastActionCreatedAt = subscription.LastActionCreatedAt > newest ? subscription.LastActionCreatedAt : newest;
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>Reads every subscription once; a failing one is marked failed and tried again next time.</summary>
    public async Task RefreshAllAsync(CancellationToken ct)
    {
        List<(int Id, string Url, DateTimeOffset? Since)> subscriptions;
        await using (var scope = scopes.CreateAsyncScope())
        {
            subscriptions = (await scope.ServiceProvider.GetRequiredService<AppDbContext>().BlocklistSubscriptions.AsNoTracking()
                .Select(s => new { s.Id, s.Url, s.LastActionCreatedAt }).ToListAsync(ct)).Select(s => (s.Id, s.Url, s.LastActionCreatedAt)).ToList();
        }

        foreach (var (id, url, since) in subscriptions)
        {
            var fetched = await FetchAsync(new Uri(url), since, ct);
            if (fetched.List is not null)
            {
                await ApplyAsync(id, fetched.List, ct);
                continue;
            }

            LogFailed(log, url, fetched.Error);
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().BlocklistSubscriptions.Where(s => s.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.State, BlocklistSyncState.Failed).SetProperty(s => s.LastError, fetched.Error), ct);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.RefreshIntervalSeconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAllAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(log, "(all)", e.Message);
            }
        }
    }

    public override void Dispose()
    {
        _applying.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blocklist subscription {Url} could not be refreshed: {Error}")]
    private static partial void LogFailed(ILogger logger, string url, string? error);
}
