using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Web.Pages;
using PeerTube.Net.Server.Features.WatchedWords;

namespace PeerTube.Net.Server.Features.Web;

public sealed record WatchedWordsRow(int Id, string ListName, IReadOnlyList<string> Words, DateTimeOffset UpdatedAt);

/// <summary>
/// The watched words pages: a user's own (<c>/my-account/watched-words</c>, with the tags that hold comments on their
/// videos for review) and the instance's (<c>/admin/watched-words</c>, for moderators). The forms call the
/// watched-words and automatic-tags APIs.
/// </summary>
public static class WatchedWordsPages
{
    public static RouteGroupBuilder MapWatchedWordsPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/my-account/watched-words", WebEndpoints.PageMethods, MineAsync);
        pages.MapMethods("/admin/watched-words", WebEndpoints.PageMethods, InstanceAsync);
        return pages;
    }

    private static async Task<IResult> MineAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is not { } me)
        {
            return Page.RedirectToLogin(http);
        }

        var account = await db.Accounts.AsNoTracking().Where(a => a.UserId == me).Select(a => new { a.Id, a.Name }).FirstAsync(ct);
        var reviewed = await db.AutomaticTagPolicies.AsNoTracking()
            .Where(p => p.AccountId == account.Id && p.Policy == AutomaticTagPolicy.ReviewComment).Select(p => p.Tag).ToListAsync(ct);
        return await RenderAsync(http, db, account.Id, $"/api/v1/watched-words/accounts/{Uri.EscapeDataString(account.Name)}/lists",
            $"/api/v1/automatic-tags/policies/accounts/{Uri.EscapeDataString(account.Name)}/comments", reviewed, ct);
    }

    private static async Task<IResult> InstanceAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsModeratorOrAdmin())
        {
            return Page.Forbidden(http);
        }

        return await RenderAsync(http, db, null, "/api/v1/watched-words/server/lists", null, [], ct);
    }

    private static async Task<IResult> RenderAsync(HttpContext http, AppDbContext db, int? accountId, string listsUrl, string? policyUrl,
        IReadOnlyList<string> reviewed, CancellationToken ct)
    {
        var lists = await db.WatchedWordsLists.AsNoTracking().Where(l => l.AccountId == accountId).OrderBy(l => l.ListName).Take(500).ToListAsync(ct);
        return Page.Of<WatchedWordsPage>(new Dictionary<string, object?>
        {
            [nameof(WatchedWordsPage.Frame)] = Page.Frame(http),
            [nameof(WatchedWordsPage.ForInstance)] = accountId is null,
            [nameof(WatchedWordsPage.ListsUrl)] = listsUrl,
            [nameof(WatchedWordsPage.PolicyUrl)] = policyUrl,
            [nameof(WatchedWordsPage.Lists)] = lists.Select(l => new WatchedWordsRow(l.Id, l.ListName, l.Words, l.UpdatedAt)).ToList(),
            [nameof(WatchedWordsPage.Tags)] = lists.Select(l => l.ListName).Concat(AutomaticTagger.CoreTags).ToList(),
            [nameof(WatchedWordsPage.Reviewed)] = reviewed,
        });
    }
}
