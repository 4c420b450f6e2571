using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Peers;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The watch page and the embed player, for a numeric id, a UUID or a shortUUID in either path (as PeerTube).</summary>
public static class WatchPages
{
    public static RouteGroupBuilder MapWatchPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/w/{id}", WebEndpoints.PageMethods, WatchAsync);
        pages.MapMethods("/videos/watch/{id}", WebEndpoints.PageMethods, WatchAsync);
        pages.MapMethods("/videos/embed/{id}", WebEndpoints.PageMethods, EmbedAsync);
        return pages;
    }

    private static async Task<IResult> WatchAsync(string id, HttpContext http, AppDbContext db, IOptions<InstanceOptions> instance, VideoUrls urls,
        VideoFileTokens tokens, Markdown markdown, IOptions<P2POptions> p2p, IBlockedVideos blocked, IMutedAccounts muted, TimeProvider clock, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (Refusal(video, await IsBlockedAsync(video, blocked, ct), http, embeddable: false) is { } refusal)
        {
            return refusal;
        }

        if (IsLocked(video!, http))
        {
            return Page.Of<PasswordWatch>(new Dictionary<string, object?>
            {
                [nameof(PasswordWatch.Frame)] = Page.Frame(http),
                [nameof(PasswordWatch.ConfigJson)] = PlayerConfig.For(video!, instance.Value, urls, null, embed: false,
                    PlayerOptions.FromQuery(http.Request.Query)).Locked().ToJson(),
            });
        }

        var token = FileToken(video!, tokens);
        var options = PlayerOptions.FromQuery(http.Request.Query);
        // A viewer who turned P2P off in their settings (PeerTube's p2pEnabled) gets a player that shares nothing.
        if (http.User.UserId() is { } viewerId && !await db.Users.AsNoTracking().Where(u => u.Id == viewerId).Select(u => u.P2PEnabled).FirstOrDefaultAsync(ct))
        {
            options = options with { P2p = false };
        }

        return Page.Of<Watch>(new Dictionary<string, object?>
        {
            [nameof(Watch.Frame)] = Page.Frame(http),
            [nameof(Watch.Model)] = new WatchModel(
                video!,
                ShortUuid.FromGuid(video!.Uuid),
                PlayerConfig.For(video, instance.Value, urls, token, embed: false, options, p2p.Value,
                    await CopiesAsync(db, video, clock, ct), await LatencyModeAsync(db, video, ct)).ToJson(),
                WatchHead.For(video, instance.Value),
                markdown.ToHtml(video.Description),
                Downloads(video, urls, token),
                ChannelHandle(video, instance.Value),
                AccountDtos.AvatarPath(await db.Set<ActorImage>().AsNoTracking().Where(i => i.ChannelId == video.ChannelId).ToListAsync(ct), 48)),
            [nameof(Watch.Social)] = await WatchSocialModel.LoadAsync(db, video, http.User, instance.Value, markdown, muted, blocked,
                ChannelHandle(video, instance.Value), ct),
        });
    }

    /// <summary>Base URLs of the video's copies (redundancy) that a player may use now.</summary>
    private static async Task<IReadOnlyList<string>> CopiesAsync(AppDbContext db, Video video, TimeProvider clock, CancellationToken ct) =>
        (await Redundancy.RedundancyDetailsPart.ReadyCopiesAsync(db, video.Id, clock, ct)).Select(r => r.BaseUrl).ToList();

    /// <summary>A live's latency mode (PeerTube's LiveVideoLatencyMode), for the player's distance to the live edge; null otherwise.</summary>
    private static async Task<int?> LatencyModeAsync(AppDbContext db, Video video, CancellationToken ct) =>
        video.IsLive
            ? await db.Set<Live.LiveVideo>().Where(l => l.VideoId == video.Id).Select(l => (int?)l.LatencyMode).FirstOrDefaultAsync(ct)
            : null;

    private static async Task<IResult> EmbedAsync(string id, HttpContext http, AppDbContext db, IOptions<InstanceOptions> instance, VideoUrls urls,
        VideoFileTokens tokens, IOptions<P2POptions> p2p, IBlockedVideos blocked, TimeProvider clock, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (Refusal(video, await IsBlockedAsync(video, blocked, ct), http, embeddable: true) is { } refusal)
        {
            return refusal;
        }

        var config = IsLocked(video!, http)
            ? PlayerConfig.For(video!, instance.Value, urls, null, embed: true, PlayerOptions.FromQuery(http.Request.Query)).Locked()
            : PlayerConfig.For(video!, instance.Value, urls, FileToken(video!, tokens), embed: true, PlayerOptions.FromQuery(http.Request.Query),
                p2p.Value, await CopiesAsync(db, video!, clock, ct), await LatencyModeAsync(db, video!, ct));
        return Page.Embeddable<Embed>(new Dictionary<string, object?>
        {
            [nameof(Embed.Title)] = config.PasswordRequired ? $"Password protected video - {instance.Value.Name}" : $"{video!.Name} - {instance.Value.Name}",
            [nameof(Embed.ConfigJson)] = config.ToJson(),
        });
    }

    private static async Task<bool> IsBlockedAsync(Video? video, IBlockedVideos blocked, CancellationToken ct) =>
        video is not null && await blocked.FindAsync(video.Id, ct) is not null;

    /// <summary>
    /// 404 for no such video; for one the viewer may not see (private, or blocked by a moderator and not theirs), 401
    /// (anonymous) or 403, and never its name.
    /// </summary>
    private static Page? Refusal(Video? video, bool blocked, HttpContext http, bool embeddable)
    {
        if (video is null)
        {
            return Page.NotFound(http, embeddable);
        }

        // A password-protected video opens to whoever has the password: the page is the player's prompt (IsLocked).
        if ((VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, http.User) || video.Privacy == VideoPrivacy.PasswordProtected)
            && (!blocked || VideoAccess.IsOwnerOrModerator(video.Channel.Account.UserId, http.User)))
        {
            return null;
        }

        return http.User.UserId() is null ? Page.SignInRequired(http, embeddable) : Page.Forbidden(http, embeddable);
    }

    /// <summary>A password-protected video the viewer may not watch without its password.</summary>
    private static bool IsLocked(Video video, HttpContext http) =>
        video.Privacy == VideoPrivacy.PasswordProtected && !VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, http.User);

    /// <summary>The files of a private or internal video need a token; the viewer has just been allowed to watch, so they get one.</summary>
    private static string? FileToken(Video video, VideoFileTokens tokens) =>
        VideoUrls.IsPrivateLike(video) ? tokens.Create(video.Uuid).Token : null;

    /// <summary>PeerTube's name@host: a remote channel's name carries its host already.</summary>
    private static string ChannelHandle(Video video, InstanceOptions instance) =>
        video.Channel!.IsLocal ? $"{video.Channel.Name}@{instance.Host}" : video.Channel.Name;

    private static IReadOnlyList<DownloadLink> Downloads(Video video, VideoUrls urls, string? token)
    {
        if (!video.DownloadEnabled)
        {
            return [];
        }

        if (video.StreamingPlaylist is null)
        {
            // A remote video with web videos only: its files at the origin.
            return video.RemoteWebVideos()
                .Select(f => new DownloadLink(f.Height == 0 ? "Audio only" : $"{f.Height}p", f.Size, f.Url, f.TorrentUrl)).ToList();
        }

        var query = token is null ? "" : "?videoFileToken=" + Uri.EscapeDataString(token);
        return video.StreamingPlaylist.Files.OrderByDescending(f => f.Resolution)
            .Select(f => new DownloadLink(
                f.Resolution == 0 ? "Audio only" : $"{f.Resolution}p",
                f.Size,
                f.RemoteFileUrl ?? PlayerConfig.PathOf(urls.Download(video, f)) + query,
                f.RemoteTorrentUrl ?? (f.TorrentFilename is null ? null : PlayerConfig.PathOf(urls.TorrentDownload(f.TorrentFilename)))))
            .ToList();
    }
}

public sealed record DownloadLink(string Label, long Size, string FileUrl, string? TorrentUrl);

/// <summary>Everything the watch page shows.</summary>
public sealed record WatchModel(Video Video, string ShortUuid, string PlayerConfigJson, WatchHead Head, string DescriptionHtml,
    IReadOnlyList<DownloadLink> Downloads, string ChannelHandle, string? ChannelAvatarPath = null);
