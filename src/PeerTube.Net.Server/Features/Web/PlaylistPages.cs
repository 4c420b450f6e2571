using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Peers;
using PeerTube.Net.Server.Features.Playlists;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>
/// Playlists in the browser: the playlist watch page (the list beside the player, the next item when one ends), its
/// embed (played in place, driven by PeerTube's embed API), and the viewer's own lists. The same access rules as the API:
/// a private list is its owner's, an unlisted one is reached by its uuid, and a video the viewer may not see is skipped.
/// </summary>
public static class PlaylistPages
{
    /// <summary>An embed carries the players of its first items; a longer list plays that far.</summary>
    public const int EmbedItems = 100;

    public static RouteGroupBuilder MapPlaylistPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/w/p/{id}", WebEndpoints.PageMethods, WatchAsync);
        pages.MapMethods("/videos/watch/playlist/{id}", WebEndpoints.PageMethods, WatchAsync);
        pages.MapMethods("/video-playlists/embed/{id}", WebEndpoints.PageMethods, EmbedAsync);
        pages.MapMethods("/video-playlists/{id}", WebEndpoints.PageMethods, (string id) => TypedResults.Redirect($"/w/p/{Uri.EscapeDataString(id)}"));
        pages.MapMethods("/my-library/video-playlists", WebEndpoints.PageMethods, MineAsync);
        return pages;
    }

    private static async Task<(VideoPlaylist? Playlist, IResult? Refused)> FindAsync(string id, HttpContext http, AppDbContext db, bool embeddable, CancellationToken ct)
    {
        var playlist = await PlaylistsApi.FindAsync(db, id, ct);
        return PlaylistsApi.Refusal(playlist, id, http.User) switch
        {
            null => (playlist, null),
            { Status: 401 } => (null, Page.SignInRequired(http, embeddable)),
            { Status: 403 } => (null, Page.Forbidden(http, embeddable)),
            _ => (null, Page.NotFound(http, embeddable)),
        };
    }

    /// <summary>The elements this viewer may play, in order, with their videos ready for the player.</summary>
    private static async Task<List<VideoPlaylistElement>> PlayableAsync(AppDbContext db, VideoPlaylist playlist, HttpContext http, IBlockedVideos blocked, int take, CancellationToken ct)
    {
        var elements = await db.VideoPlaylistElements.AsNoTracking().Where(e => e.PlaylistId == playlist.Id && e.VideoId != null)
            .OrderBy(e => e.Position).Take(PlaylistsApi.MaxElements)
            .Include(e => e.Video!).ThenInclude(v => v.Channel!).ThenInclude(c => c.Account!)
            .ToListAsync(ct);
        var ids = elements.Select(e => e.VideoId!.Value).ToList();
        var blockedIds = (await blocked.Ids().Where(b => ids.Contains(b)).ToListAsync(ct)).ToHashSet();
        var playable = elements.Where(e => PlaylistDtos.TypeFor(e, http.User, blockedIds) == PlaylistElementType.Regular).Take(take).ToList();
        var playableIds = playable.Select(e => e.VideoId!.Value).ToList();
        var details = await db.Videos.AsNoTracking().WithDetails().Where(v => playableIds.Contains(v.Id)).ToDictionaryAsync(v => v.Id, ct);
        foreach (var element in playable)
        {
            element.Video = details[element.VideoId!.Value];
        }

        return playable;
    }

    private static string Config(Video video, InstanceOptions instance, VideoUrls urls, VideoFileTokens tokens, bool embed, PlayerOptions options, P2POptions p2p) =>
        PlayerConfig.For(video, instance, urls, VideoUrls.IsPrivateLike(video) ? tokens.Create(video.Uuid).Token : null, embed, options, p2p, []).ToJson();

    private static async Task<IResult> WatchAsync(string id, HttpContext http, AppDbContext db, IOptions<InstanceOptions> instance, VideoUrls urls,
        VideoFileTokens tokens, IOptions<P2POptions> p2p, IBlockedVideos blocked, Markdown markdown, CancellationToken ct)
    {
        var (playlist, refused) = await FindAsync(id, http, db, embeddable: false, ct);
        if (refused is not null)
        {
            return refused;
        }

        var items = await PlayableAsync(db, playlist!, http, blocked, PlaylistsApi.MaxElements, ct);
        var shortUuid = ShortUuid.FromGuid(playlist!.Uuid);
        var wanted = int.TryParse(http.Request.Query["playlistPosition"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 1;
        var current = items.FirstOrDefault(e => e.Position >= wanted) ?? items.FirstOrDefault();
        var index = current is null ? -1 : items.IndexOf(current);
        // Every item after the first starts on its own: the list plays on.
        // The player's options (muted, …) go on with the list.
        var kept = string.Concat(http.Request.Query.Where(q => q.Key != "playlistPosition")
            .Select(q => $"&{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
        var options = PlayerOptions.FromQuery(http.Request.Query) with { Autoplay = wanted > 1 || PlayerOptions.FromQuery(http.Request.Query).Autoplay };
        return Page.Of<WatchPlaylist>(new Dictionary<string, object?>
        {
            [nameof(WatchPlaylist.Frame)] = Page.Frame(http),
            [nameof(WatchPlaylist.Model)] = new PlaylistWatchModel(
                playlist,
                shortUuid,
                markdown.ToHtml(playlist.Description),
                items.Select(e => new PlaylistItem(e.Position, e.Video!.Name, VideoCard.From(e.Video).ThumbnailPath, e.Video.Duration, e.Video.Channel!.DisplayName,
                    $"/w/p/{shortUuid}?playlistPosition={e.Position}")).ToList(),
                index,
                current is null ? null : Config(current.Video!, instance.Value, urls, tokens, embed: false, options, p2p.Value),
                current?.Video,
                index >= 0 && index + 1 < items.Count ? $"/w/p/{shortUuid}?playlistPosition={items[index + 1].Position}{kept}" : null,
                index > 0 ? $"/w/p/{shortUuid}?playlistPosition={items[index - 1].Position}{kept}" : null),
        });
    }

    private static async Task<IResult> EmbedAsync(string id, HttpContext http, AppDbContext db, IOptions<InstanceOptions> instance, VideoUrls urls,
        VideoFileTokens tokens, IOptions<P2POptions> p2p, IBlockedVideos blocked, CancellationToken ct)
    {
        var (playlist, refused) = await FindAsync(id, http, db, embeddable: true, ct);
        if (refused is not null)
        {
            return refused;
        }

        var items = await PlayableAsync(db, playlist!, http, blocked, EmbedItems, ct);
        if (items.Count == 0)
        {
            return Page.NotFound(http, embeddable: true);
        }

        var wanted = int.TryParse(http.Request.Query["playlistPosition"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p) ? p : 1;
        var start = Math.Max(0, items.FindIndex(e => e.Position >= wanted));
        var options = PlayerOptions.FromQuery(http.Request.Query);
        // PeerTube's playlist embed: positions count from 1 over the items played; the first one starts as asked, the next ones on their own.
        var list = items.Select((e, i) => new EmbedPlaylistItem(e.Position, System.Text.Json.JsonDocument.Parse(
            Config(e.Video!, instance.Value, urls, tokens, embed: true, i == start ? options : options with { Autoplay = true, Start = null }, p2p.Value)).RootElement)).ToList();
        return Page.Embeddable<Embed>(new Dictionary<string, object?>
        {
            [nameof(Embed.Title)] = $"{playlist!.Name} - {instance.Value.Name}",
            [nameof(Embed.ConfigJson)] = Config(items[start].Video!, instance.Value, urls, tokens, embed: true, options, p2p.Value),
            [nameof(Embed.PlaylistJson)] = System.Text.Json.JsonSerializer.Serialize(new EmbedPlaylist(playlist.Name, start, list), System.Text.Json.JsonSerializerOptions.Web),
        });
    }

    private static async Task<IResult> MineAsync(HttpContext http, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (http.User.UserId() is not { } me)
        {
            return Page.RedirectToLogin(http);
        }

        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == me, ct);
        if (account is null)
        {
            return Page.Forbidden(http);
        }

        await WatchLater.EnsureAsync(db, account.Id, clock, ct);
        var playlists = await db.VideoPlaylists.AsNoTracking().Where(p => p.OwnerAccountId == account.Id)
            .OrderByDescending(p => p.Type).ThenByDescending(p => p.UpdatedAt)
            .Include(p => p.Channel)
            .Include(p => p.Elements.OrderBy(e => e.Position)).ThenInclude(e => e.Video)
            .AsSplitQuery().ToListAsync(ct);
        var channels = await db.VideoChannels.AsNoTracking().Where(c => c.AccountId == account.Id).OrderBy(c => c.Id)
            .Select(c => new ChannelChoice(c.Id, c.DisplayName)).ToListAsync(ct);
        return Page.Of<MyPlaylists>(new Dictionary<string, object?>
        {
            [nameof(MyPlaylists.Frame)] = Page.Frame(http),
            [nameof(MyPlaylists.Playlists)] = playlists,
            [nameof(MyPlaylists.Channels)] = channels,
        });
    }
}

/// <summary>One item of the list beside the player.</summary>
public sealed record PlaylistItem(int Position, string Name, string? ThumbnailPath, int Duration, string ChannelDisplayName, string Url);

/// <summary>Everything the playlist watch page shows; <see cref="Index"/> is -1 when the viewer may play none of it.</summary>
public sealed record PlaylistWatchModel(VideoPlaylist Playlist, string ShortUuid, string DescriptionHtml, IReadOnlyList<PlaylistItem> Items, int Index,
    string? PlayerConfigJson, Video? Current, string? NextUrl, string? PreviousUrl);

/// <summary>What the embed's player reads from data-playlist: each item's own player configuration.</summary>
public sealed record EmbedPlaylist(string Name, int Index, IReadOnlyList<EmbedPlaylistItem> Items);

public sealed record EmbedPlaylistItem(int Position, System.Text.Json.JsonElement Config);
