using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Moderation.Blocklists;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record BlockedServerRow(string Host, DateTimeOffset CreatedAt, string? Source);

public sealed record BlockedAccountRow(string Handle, string DisplayName, DateTimeOffset CreatedAt, string? Source);

public sealed record BlocklistSubscriptionRow(int Id, string Name, string Url, int Servers, int Accounts, DateTimeOffset? LastSyncAt, string State, string? Error);

/// <summary>The instance's blocklist page (/admin/blocklist), for moderators and administrators.</summary>
public static class ModerationPages
{
    public static RouteGroupBuilder MapModerationPages(this RouteGroupBuilder pages)
    {
        pages.MapPage("/admin/blocklist", BlocklistAsync);
        return pages;
    }

    private static async Task<IResult> BlocklistAsync(HttpContext http, AppDbContext db, IOptions<InstanceOptions> instance, IOptions<BlocklistOptions> options,
        CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsModeratorOrAdmin())
        {
            return Page.Forbidden(http);
        }

        var servers = await db.ServerBlocks.AsNoTracking().Where(b => b.ByUserId == null).OrderBy(b => b.Host).Take(1000)
            .Select(b => new BlockedServerRow(b.Host, b.CreatedAt, b.Subscription!.Name)).ToListAsync(ct);
        var host = instance.Value.Host;
        var accounts = (await db.AccountBlocks.AsNoTracking().Where(b => b.ByUserId == null).OrderBy(b => b.TargetAccount!.Name).Take(1000)
                .Select(b => new { b.TargetAccount!.Name, b.TargetAccount.DisplayName, Local = b.TargetAccount.Host == null, b.CreatedAt, Source = b.Subscription!.Name })
                .ToListAsync(ct))
            .Select(b => new BlockedAccountRow(b.Local ? $"{b.Name}@{host}" : b.Name, b.DisplayName, b.CreatedAt, b.Source)).ToList();
        var accountBlocks = db.AccountBlocks;
        var serverBlocks = db.ServerBlocks;
        var subscriptions = await db.BlocklistSubscriptions.AsNoTracking().OrderBy(s => s.Name)
            .Select(s => new BlocklistSubscriptionRow(s.Id, s.Name, s.Url, serverBlocks.Count(b => b.SubscriptionId == s.Id),
                accountBlocks.Count(b => b.SubscriptionId == s.Id), s.LastSyncAt, s.State.ToString(), s.LastError))
            .ToListAsync(ct);
        var every = TimeSpan.FromSeconds(options.Value.RefreshIntervalSeconds);
        return Page.Of<Blocklist>(new Dictionary<string, object?>
        {
            [nameof(Blocklist.Frame)] = Page.Frame(http),
            [nameof(Blocklist.Servers)] = servers,
            [nameof(Blocklist.Accounts)] = accounts,
            [nameof(Blocklist.Subscriptions)] = subscriptions,
            [nameof(Blocklist.RefreshEvery)] = every.TotalHours >= 1 ? $"{every.TotalHours:0.#} h" : every.TotalMinutes >= 1 ? $"{every.TotalMinutes:0.#} min" : $"{every.TotalSeconds:0} s",
        });
    }
}
