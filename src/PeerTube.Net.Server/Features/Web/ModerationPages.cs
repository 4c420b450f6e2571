using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Moderation.Blocklists;
using PeerTube.Net.Server.Features.Moderation;
using PeerTube.Net.Server.Features.Moderation.Log;
using PeerTube.Net.Server.Features.Moderation.VideoBlocks;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record BlockedServerRow(string Host, DateTimeOffset CreatedAt, string? Source);

public sealed record BlockedAccountRow(string Handle, string DisplayName, DateTimeOffset CreatedAt, string? Source);

public sealed record BlocklistSubscriptionRow(int Id, string Name, string Url, int Servers, int Accounts, DateTimeOffset? LastSyncAt, string State, string? Error);

public sealed record AuditLogRow(long Id, string ByUsername, string Action, string Target, string? Details, DateTimeOffset CreatedAt);

public sealed record VideoBlockRow(Guid Uuid, string Name, string Owner, string? Reason, bool Automatic, bool Unfederated, DateTimeOffset CreatedAt);

public sealed record AbuseRow(int Id, string Reason, string? Reporter, string Flagged, Guid? VideoUuid, string? VideoName, bool VideoBlocked, string State,
    DateTimeOffset CreatedAt);

/// <summary>How many entries the moderation log page shows.</summary>
public static class AuditLogPage
{
    public const int Shown = 200;
}

/// <summary>The instance's blocklist page (/admin/blocklist), for moderators and administrators; the moderation log (/admin/audit-log), for administrators.</summary>
public static class ModerationPages
{
    public static RouteGroupBuilder MapModerationPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/admin/blocklist", WebEndpoints.PageMethods, BlocklistAsync);
        pages.MapMethods("/admin/audit-log", WebEndpoints.PageMethods, AuditLogAsync);
        pages.MapMethods("/admin/video-blocks", WebEndpoints.PageMethods, VideoBlocksAsync);
        pages.MapMethods("/admin/abuses", WebEndpoints.PageMethods, AbusesAsync);
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

    private static async Task<IResult> AuditLogAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsAdmin())
        {
            return Page.Forbidden(http);
        }

        var entries = await db.Set<ModerationLogEntry>().AsNoTracking().OrderByDescending(e => e.Id).Take(AuditLogPage.Shown)
            .Select(e => new AuditLogRow(e.Id, e.ByUsername, e.Action, e.Target, e.Details, e.CreatedAt)).ToListAsync(ct);
        return Page.Of<AuditLog>(new Dictionary<string, object?>
        {
            [nameof(AuditLog.Frame)] = Page.Frame(http),
            [nameof(AuditLog.Entries)] = entries,
        });
    }

    private static async Task<IResult> VideoBlocksAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsModeratorOrAdmin())
        {
            return Page.Forbidden(http);
        }

        var blocks = await db.VideoBlocks.AsNoTracking().OrderByDescending(b => b.Id).Take(500)
            .Select(b => new VideoBlockRow(b.Video!.Uuid, b.Video.Name, b.Video.Channel!.Account!.Name, b.Reason, b.Type == VideoBlockType.AutoBeforePublished,
                b.Unfederated, b.CreatedAt))
            .ToListAsync(ct);
        return Page.Of<VideoBlocks>(new Dictionary<string, object?>
        {
            [nameof(VideoBlocks.Frame)] = Page.Frame(http),
            [nameof(VideoBlocks.Blocks)] = blocks,
        });
    }

    private static async Task<IResult> AbusesAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsModeratorOrAdmin())
        {
            return Page.Forbidden(http);
        }

        var blocked = db.VideoBlocks;
        var reports = await db.Abuses.AsNoTracking().OrderBy(a => a.State).ThenByDescending(a => a.Id).Take(500)
            .Select(a => new AbuseRow(a.Id, a.Reason, a.ReporterAccount!.Name, a.FlaggedAccount!.Name, a.Video != null ? a.Video.Uuid : null,
                a.Video != null ? a.Video.Name : null, a.VideoId != null && blocked.Any(b => b.VideoId == a.VideoId), a.State.ToString(), a.CreatedAt))
            .ToListAsync(ct);
        return Page.Of<Abuses>(new Dictionary<string, object?>
        {
            [nameof(Abuses.Frame)] = Page.Frame(http),
            [nameof(Abuses.Reports)] = reports,
        });
    }
}
