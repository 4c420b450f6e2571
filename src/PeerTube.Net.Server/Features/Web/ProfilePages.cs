using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record MyChannelRow(string Name, string DisplayName, string? AvatarPath, int VideosCount);

/// <summary>What /my-account/settings shows of the user's profile.</summary>
public sealed record ProfileModel(string DisplayName, string? Description, string NsfwPolicy, bool P2PEnabled, bool AutoPlayVideo, string? VideoLanguages,
    string? AvatarPath, bool IsRoot);

/// <summary>A creator's channels: the list with a create form (/my-library/video-channels) and one channel's edit page.</summary>
public static class ProfilePages
{
    public static RouteGroupBuilder MapProfilePages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/my-library/video-channels", WebEndpoints.PageMethods, MyChannelsAsync);
        pages.MapMethods("/manage/video-channels/{name}", WebEndpoints.PageMethods, ManageChannelAsync);
        return pages;
    }

    private static async Task<IResult> MyChannelsAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is not { } userId)
        {
            return Page.RedirectToLogin(http);
        }

        var channels = await db.VideoChannels.AsNoTracking().Where(c => c.Account!.UserId == userId).OrderBy(c => c.Id)
            .Include(c => c.Images).ToListAsync(ct);
        var ids = channels.Select(c => c.Id).ToList();
        var counts = await db.Videos.Where(v => ids.Contains(v.ChannelId)).GroupBy(v => v.ChannelId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return Page.Of<MyChannels>(new Dictionary<string, object?>
        {
            [nameof(MyChannels.Frame)] = Page.Frame(http),
            [nameof(MyChannels.Channels)] = channels.Select(c => new MyChannelRow(c.Name, c.DisplayName, AccountDtos.AvatarPath(c.Images, 48),
                counts.FirstOrDefault(x => x.Key == c.Id)?.Count ?? 0)).ToList(),
        });
    }

    /// <summary>Its owner's, or an administrator's (who may change any channel through the API too).</summary>
    private static async Task<IResult> ManageChannelAsync(string name, HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is not { } userId)
        {
            return Page.RedirectToLogin(http);
        }

        var channel = await db.VideoChannels.AsNoTracking().Include(c => c.Account).Include(c => c.Images)
            .FirstOrDefaultAsync(c => c.Name == name && c.Host == null, ct);
        if (channel is null)
        {
            return Page.NotFound(http);
        }

        if (channel.Account!.UserId != userId && !http.User.IsAdmin())
        {
            return Page.Forbidden(http);
        }

        return Page.Of<ManageChannel>(new Dictionary<string, object?>
        {
            [nameof(ManageChannel.Frame)] = Page.Frame(http),
            [nameof(ManageChannel.Name)] = channel.Name,
            [nameof(ManageChannel.DisplayName)] = channel.DisplayName,
            [nameof(ManageChannel.Description)] = channel.Description,
            [nameof(ManageChannel.Support)] = channel.Support,
            [nameof(ManageChannel.AvatarPath)] = AccountDtos.AvatarPath(channel.Images, 120),
            [nameof(ManageChannel.BannerPath)] = AccountDtos.BannerPath(channel.Images),
        });
    }

    /// <summary>The profile part of the settings page.</summary>
    public static async Task<ProfileModel> ProfileAsync(AppDbContext db, int userId, CancellationToken ct)
    {
        var row = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Username, u.NsfwPolicy, u.P2PEnabled, u.AutoPlayVideo, u.VideoLanguages, u.Account!.DisplayName, u.Account.Description, u.Account.Images })
            .FirstAsync(ct);
        return new ProfileModel(row.DisplayName, row.Description, row.NsfwPolicy, row.P2PEnabled, row.AutoPlayVideo, row.VideoLanguages,
            AccountDtos.AvatarPath(row.Images, 120), row.Username == "root");
    }
}
