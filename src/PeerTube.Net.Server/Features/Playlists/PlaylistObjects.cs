using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// PeerTube's ActivityPub shapes of a playlist (PlaylistObject, PlaylistElementObject): the playlist is an ordered collection
/// whose pages list its elements' URLs, each element a small object pointing at its video. Only public playlists, and in them
/// only the elements of videos the others may see (public or unlisted, not blocked), leave the instance.
/// </summary>
public sealed class PlaylistObjects(AppDbContext db, IOptions<InstanceOptions> instance, IBlockedVideos blocked, ActivityObjects objects)
{
    public const int PageSize = 100;

    private InstanceOptions Instance => instance.Value;

    public string ElementUrl(VideoPlaylist p, int elementId) => Instance.Absolute($"/video-playlists/{p.Uuid}/videos/{elementId.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The elements others may hear of, in order.</summary>
    public IQueryable<VideoPlaylistElement> FederatedElements(int playlistId)
    {
        var blockedIds = blocked.Ids();
        return db.VideoPlaylistElements.AsNoTracking()
            .Where(e => e.PlaylistId == playlistId && e.Video != null
                        && (e.Video.Privacy == VideoPrivacy.Public || e.Video.Privacy == VideoPrivacy.Unlisted)
                        && !blockedIds.Contains(e.Video.Id))
            .OrderBy(e => e.Position);
    }

    /// <param name="p">One of our public playlists, its channel loaded.</param>
    public async Task<JsonObject> PlaylistAsync(VideoPlaylist p, bool withContext, CancellationToken ct)
    {
        var url = PlaylistDtos.Url(p, Instance);
        var total = await FederatedElements(p.Id).CountAsync(ct);
        var doc = new JsonObject
        {
            ["id"] = url,
            ["type"] = "Playlist",
            ["totalItems"] = total,
            // As PeerTube's collection pagination: the first page's URL, when there is one.
            ["first"] = total == 0 ? null : url + "?page=1",
            ["name"] = p.Name,
            ["content"] = p.Description,
            ["mediaType"] = "text/markdown",
            ["uuid"] = p.Uuid.ToString(),
            ["published"] = ActivityObjects.Iso(p.CreatedAt),
            ["updated"] = ActivityObjects.Iso(p.UpdatedAt),
            ["attributedTo"] = p.Channel is null ? new JsonArray() : new JsonArray(AccountDtos.Url(p.Channel, Instance)),
            ["videoChannelPosition"] = null,
            ["to"] = new JsonArray(ActivityJson.Public),
        };
        if (PlaylistDtos.ThumbnailPath(p) is { } thumbnail)
        {
            doc["icon"] = new JsonObject
            {
                ["type"] = "Image", ["url"] = Instance.Absolute(thumbnail), ["mediaType"] = "image/jpeg",
                ["width"] = PlaylistImages.Width, ["height"] = PlaylistImages.Height,
            };
        }

        return withContext ? ActivityJson.WithContext(doc) : doc;
    }

    /// <summary>One page (from 1) of the collection: the elements' URLs.</summary>
    public async Task<JsonObject> PageAsync(VideoPlaylist p, int page, CancellationToken ct)
    {
        var url = PlaylistDtos.Url(p, Instance);
        var query = FederatedElements(p.Id);
        var total = await query.CountAsync(ct);
        var ids = await query.Skip((page - 1) * PageSize).Take(PageSize).Select(e => e.Id).ToListAsync(ct);
        var items = new JsonArray();
        foreach (var id in ids)
        {
            items.Add(ElementUrl(p, id));
        }

        var doc = new JsonObject
        {
            ["id"] = $"{url}?page={page.ToString(CultureInfo.InvariantCulture)}",
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = url,
            ["totalItems"] = total,
            ["orderedItems"] = items,
        };
        if (page * PageSize < total)
        {
            doc["next"] = $"{url}?page={(page + 1).ToString(CultureInfo.InvariantCulture)}";
        }

        return ActivityJson.WithContext(doc);
    }

    /// <param name="e">With its video loaded.</param>
    public JsonObject Element(VideoPlaylist p, VideoPlaylistElement e)
    {
        var doc = new JsonObject
        {
            ["id"] = ElementUrl(p, e.Id),
            ["type"] = "PlaylistElement",
            ["url"] = objects.VideoUrl(e.Video!),
            ["position"] = e.Position,
        };
        if (e.StartTimestamp is { } start)
        {
            doc["startTimestamp"] = start;
        }

        if (e.StopTimestamp is { } stop)
        {
            doc["stopTimestamp"] = stop;
        }

        return ActivityJson.WithContext(doc);
    }
}
