using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The pages that list videos: home (recent and trending), a channel's, an account's.</summary>
public static class BrowsePages
{
    public const int PageSize = 12;

    public static RouteGroupBuilder MapBrowsePages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/", WebEndpoints.PageMethods, HomeAsync);
        pages.MapMethods("/c/{handle}", WebEndpoints.PageMethods, ChannelAsync);
        pages.MapMethods("/c/{handle}/videos", WebEndpoints.PageMethods, ChannelAsync);
        pages.MapMethods("/a/{handle}", WebEndpoints.PageMethods, AccountAsync);
        pages.MapMethods("/a/{handle}/videos", WebEndpoints.PageMethods, AccountAsync);
        // The URLs our API hands out for channels and accounts (PeerTube's ActivityPub ids), opened in a browser.
        pages.MapMethods("/video-channels/{handle}", WebEndpoints.PageMethods, (string handle) => TypedResults.Redirect($"/c/{Uri.EscapeDataString(handle)}"));
        pages.MapMethods("/accounts/{handle}", WebEndpoints.PageMethods, (string handle) => TypedResults.Redirect($"/a/{Uri.EscapeDataString(handle)}"));
        return pages;
    }

    private static async Task<IResult> HomeAsync(HttpContext http, AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, CancellationToken ct)
    {
        var page = Display.PageNumber(http.Request.Query["page"]);
        // A watch page's tag links land here (PeerTube's search parameter).
        var tag = http.Request.Query["tagsOneOf"].ToString().Trim() is { Length: > 0 and <= 100 } t ? t : null;
        var videos = tag is null ? Published(db, muted, blocked, http) : Published(db, muted, blocked, http).Where(v => v.Tags.Contains(tag));
        var recent = await CardsAsync(videos.OrderByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id), page, ct);
        var trending = await CardsAsync(videos.OrderByDescending(VideoAccess.TrendingViews).ThenByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id),
            page, ct);
        return Page.Of<Home>(new Dictionary<string, object?>
        {
            [nameof(Home.Frame)] = Page.Frame(http),
            [nameof(Home.Recent)] = recent,
            [nameof(Home.Trending)] = trending,
            [nameof(Home.PageNumber)] = page,
            [nameof(Home.Tag)] = tag,
        });
    }

    private static async Task<IResult> ChannelAsync(string handle, HttpContext http, AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        var name = LocalName(handle, instance.Value);
        var channel = await db.VideoChannels.AsNoTracking().Include(c => c.Account).Include(c => c.Images).FirstOrDefaultAsync(c => c.Name == name, ct);
        if (channel is null)
        {
            return Page.NotFound(http);
        }

        var page = Display.PageNumber(http.Request.Query["page"]);
        var cards = await CardsAsync(Published(db, muted, blocked, http).Where(v => v.ChannelId == channel.Id).OrderByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id),
            page, ct);
        return Page.Of<VideoListPage>(new Dictionary<string, object?>
        {
            [nameof(VideoListPage.Frame)] = Page.Frame(http),
            [nameof(VideoListPage.HeadingId)] = "channel-name",
            [nameof(VideoListPage.Heading)] = channel.DisplayName,
            [nameof(VideoListPage.Handle)] = channel.IsLocal ? $"{channel.Name}@{instance.Value.Host}" : channel.Name,
            [nameof(VideoListPage.Description)] = channel.Description,
            [nameof(VideoListPage.RelatedLink)] = ($"/a/{channel.Account!.Name}", $"Owned by {channel.Account.DisplayName}"),
            [nameof(VideoListPage.Support)] = channel.Support,
            [nameof(VideoListPage.AvatarPath)] = AccountDtos.AvatarPath(channel.Images, 120),
            [nameof(VideoListPage.BannerPath)] = AccountDtos.BannerPath(channel.Images),
            [nameof(VideoListPage.Videos)] = cards,
            [nameof(VideoListPage.PageNumber)] = page,
            [nameof(VideoListPage.Playlists)] = await PublicPlaylistsAsync(db, channel.Id, ct),
        });
    }

    /// <summary>A channel's public playlists, ours and those a followed remote channel sent (newest first, at most 24).</summary>
    private static async Task<IReadOnlyList<PlaylistCard>> PublicPlaylistsAsync(AppDbContext db, int channelId, CancellationToken ct) =>
        await db.Set<Playlists.VideoPlaylist>().AsNoTracking()
            .Where(p => p.ChannelId == channelId && p.Privacy == Playlists.PlaylistPrivacy.Public)
            .OrderByDescending(p => p.UpdatedAt).Take(24)
            .Select(p => new PlaylistCard(p.Uuid, p.Name, p.ThumbnailFilename, p.Elements.Count))
            .ToListAsync(ct);

    private static async Task<IResult> AccountAsync(string handle, HttpContext http, AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        var name = LocalName(handle, instance.Value);
        var account = await db.Accounts.AsNoTracking().Include(a => a.Images).FirstOrDefaultAsync(a => a.Name == name, ct);
        if (account is null)
        {
            return Page.NotFound(http);
        }

        var page = Display.PageNumber(http.Request.Query["page"]);
        var cards = await CardsAsync(Published(db, muted, blocked, http).Where(v => v.Channel!.AccountId == account.Id)
            .OrderByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id), page, ct);
        return Page.Of<VideoListPage>(new Dictionary<string, object?>
        {
            [nameof(VideoListPage.Frame)] = Page.Frame(http),
            [nameof(VideoListPage.HeadingId)] = "account-name",
            [nameof(VideoListPage.Heading)] = account.DisplayName,
            [nameof(VideoListPage.Handle)] = account.IsLocal ? $"{account.Name}@{instance.Value.Host}" : account.Name,
            [nameof(VideoListPage.Description)] = account.Description,
            [nameof(VideoListPage.AvatarPath)] = AccountDtos.AvatarPath(account.Images, 120),
            [nameof(VideoListPage.Videos)] = cards,
            [nameof(VideoListPage.PageNumber)] = page,
        });
    }

    /// <summary>What the lists show: public videos whose ladder is ready, but none of an account muted for the viewer and no blocked video.</summary>
    private static IQueryable<Video> Published(AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, HttpContext http) =>
        db.Videos.AsNoTracking().Where(v => v.Privacy == VideoPrivacy.Public && v.State == VideoState.Published).NotMutedFor(muted, http.User)
            .NotBlockedFor(blocked, http.User);

    private static async Task<CardPage> CardsAsync(IOrderedQueryable<Video> ordered, int page, CancellationToken ct)
    {
        // One more than a page tells whether there is a next one.
        var videos = await ordered.Skip((page - 1) * PageSize).Take(PageSize + 1).Include(v => v.Channel).ToListAsync(ct);
        return new CardPage(videos.Take(PageSize).Select(VideoCard.From).ToList(), videos.Count > PageSize);
    }

    /// <summary>"name" or "name@our-host" for ours; "name@their-host", the name we keep a remote one under, as it is.</summary>
    private static string LocalName(string handle, InstanceOptions instance)
    {
        var at = handle.IndexOf('@', StringComparison.Ordinal);
        if (at < 0)
        {
            return handle;
        }

        // A remote channel or account is stored under its full handle.
        return string.Equals(handle[(at + 1)..], instance.Host, StringComparison.OrdinalIgnoreCase) ? handle[..at] : handle;
    }
}
