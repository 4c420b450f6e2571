using Hangfire;
using Hangfire.Dashboard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Redundancy;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>Administration: users and their quotas, and Hangfire's dashboard at /admin/jobs. Admins only.</summary>
public static class AdminPages
{
    public const string JobsPath = "/admin/jobs";

    public static RouteGroupBuilder MapAdminPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/admin", WebEndpoints.PageMethods, AdminAsync);
        return pages;
    }

    private static async Task<IResult> AdminAsync(HttpContext http, AppDbContext db, UserService users,
        IOptions<Redundancy.RedundancyOptions> redundancy, Peers.PeerStats peerStats, Streaming.SegmentTraffic traffic, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsAdmin())
        {
            return Page.Forbidden(http);
        }

        var rows = new List<AdminUserRow>();
        foreach (var user in await db.Users.AsNoTracking().OrderBy(u => u.Id).ToListAsync(ct))
        {
            rows.Add(new AdminUserRow(user.Id, user.Username, user.Email, user.Role, user.VideoQuota, await users.QuotaUsedAsync(user.Id, ct), user.Blocked));
        }

        var copies = await db.VideoRedundancies.AsNoTracking().OrderBy(r => r.Id)
            .Select(r => new AdminCopyRow(r.Id, r.Video!.Name, r.Video.Uuid, r.MirrorHost ?? r.Video.Channel!.Host ?? "", r.MirrorHost == null,
                r.Strategy, r.State.ToString(), r.Error, r.Size, r.BytesServed, r.Strategy == "manual" ? null : r.ExpiresAt))
            .ToListAsync(ct);
        var used = copies.Where(c => c.Ours && c.State != nameof(Redundancy.RedundancyState.Failed))
            .GroupBy(c => c.Strategy ?? "manual").ToDictionary(g => g.Key, g => g.Sum(c => c.Size));
        var strategies = redundancy.Value.Strategies.Select(s => new AdminStrategyRow(s.Strategy, used.GetValueOrDefault(s.Strategy), s.SizeBytes))
            .Append(new AdminStrategyRow("manual", used.GetValueOrDefault("manual"), null)).ToList();

        return Page.Of<Admin>(new Dictionary<string, object?>
        {
            [nameof(Admin.Frame)] = Page.Frame(http),
            [nameof(Admin.Users)] = rows,
            [nameof(Admin.Copies)] = copies,
            [nameof(Admin.Strategies)] = strategies,
            [nameof(Admin.PeerToPeer)] = await Peers.PeersEndpoints.StatsAsync(peerStats, traffic, db, 20, ct),
        });
    }

    /// <summary>
    /// Hangfire's dashboard for admins. An anonymous browser is sent to sign in and a non-admin gets our 403 page
    /// before Hangfire is reached; Hangfire's own filter says the same again.
    /// </summary>
    public static IEndpointRouteBuilder MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        var instance = app.ServiceProvider.GetRequiredService<IOptions<InstanceOptions>>().Value;
        app.MapHangfireDashboard(JobsPath, new DashboardOptions
        {
            AsyncAuthorization = [new AdminsOnly()],
            DashboardTitle = $"Jobs - {instance.Name}",
            AppPath = "/admin",
            DisplayStorageConnectionString = false,
        }).Add(endpoint =>
        {
            var dashboard = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = async http =>
            {
                if (http.User.UserId() is null)
                {
                    await Page.RedirectToLogin(http).ExecuteAsync(http);
                }
                else if (!http.User.IsAdmin())
                {
                    await Page.Forbidden(http).ExecuteAsync(http);
                }
                else
                {
                    await dashboard(http);
                }
            };
        });
        return app;
    }

    private sealed class AdminsOnly : IDashboardAsyncAuthorizationFilter
    {
        public Task<bool> AuthorizeAsync(DashboardContext context) => Task.FromResult(context.GetHttpContext().User.IsAdmin());
    }
}

/// <summary>A copy of a video: ours of another instance's (Ours; the host is the origin) or another instance's of ours (the host holds it).</summary>
public sealed record AdminCopyRow(int Id, string Video, Guid Uuid, string Host, bool Ours, string? Strategy, string State, string? Error, long Size,
    long BytesServed, DateTimeOffset? ExpiresAt);

public sealed record AdminStrategyRow(string Strategy, long Used, long? Cap);

public sealed record AdminUserRow(int Id, string Username, string Email, UserRole Role, long VideoQuota, long VideoQuotaUsed, bool Blocked);
