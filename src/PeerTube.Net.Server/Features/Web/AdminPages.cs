using Hangfire;
using Hangfire.Dashboard;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Instance;
using PeerTube.Net.Server.Features.Web.Pages;
using PeerTube.Net.Server.Infrastructure.Data;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>Administration: users and their quotas, and Hangfire's dashboard at /admin/jobs. Admins only.</summary>
public static class AdminPages
{
    public const string JobsPath = "/admin/jobs";

    public static RouteGroupBuilder MapAdminPages(this RouteGroupBuilder pages)
    {
        pages.MapPage("/admin", AdminAsync);
        return pages;
    }

    private static async Task<IResult> AdminAsync(HttpContext http, AppDbContext db, UserService users, CancellationToken ct)
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

        return Page.Of<Admin>(new Dictionary<string, object?>
        {
            [nameof(Admin.Frame)] = Page.Frame(http),
            [nameof(Admin.Users)] = rows,
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

public sealed record AdminUserRow(int Id, string Username, string Email, UserRole Role, long VideoQuota, long VideoQuotaUsed, bool Blocked);
