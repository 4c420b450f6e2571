using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Subscriptions;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The signed-in viewer's subscription feed (PeerTube's /videos/subscriptions).</summary>
public static class SubscriptionPages
{
    public static RouteGroupBuilder MapSubscriptionPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/videos/subscriptions", WebEndpoints.PageMethods, FeedAsync);
        pages.MapMethods("/feed/subscriptions", WebEndpoints.PageMethods, () => TypedResults.Redirect("/videos/subscriptions"));
        return pages;
    }

    private static async Task<IResult> FeedAsync(HttpContext http, AppDbContext db, ChannelSubscriptions subscriptions, IMutedAccounts muted,
        IBlockedVideos blocked, CancellationToken ct)
    {
        var me = http.User.UserId();
        if (me is null)
        {
            return Page.RedirectToLogin(http);
        }

        var accountId = await db.Accounts.AsNoTracking().Where(a => a.UserId == me).Select(a => a.Id).FirstAsync(ct);
        var page = Display.PageNumber(http.Request.Query["page"]);
        var size = BrowsePages.PageSize;
        var (total, videos) = await SubscriptionsApi.FeedAsync(db, subscriptions, muted, blocked, http.User, accountId,
            new ListQuery((page - 1) * size, size, "publishedAt", Descending: true), ct);
        var channels = await (await subscriptions.OfAsync(accountId, ct)).AsNoTracking().Where(f => f.Target!.ChannelId != null)
            .OrderBy(f => f.Target!.Channel!.DisplayName).Select(f => new SubscribedChannel(f.Target!.Channel!.Name, f.Target.Channel.DisplayName,
                f.State == Federation.FollowState.Pending)).Take(200).ToListAsync(ct);
        return Page.Of<SubscriptionsPage>(new Dictionary<string, object?>
        {
            [nameof(SubscriptionsPage.Frame)] = Page.Frame(http),
            [nameof(SubscriptionsPage.Videos)] = new CardPage(videos.Select(VideoCard.From).ToList(), page * size < total),
            [nameof(SubscriptionsPage.Channels)] = channels,
            [nameof(SubscriptionsPage.PageNumber)] = page,
        });
    }
}

/// <summary>A channel on the Subscriptions page; a remote one is pending until its instance accepts.</summary>
public sealed record SubscribedChannel(string Name, string DisplayName, bool Pending);
