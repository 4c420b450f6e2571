using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// Create and Update of a remote Playlist (PeerTube's process-create/update of a PlaylistObject): taken only from who speaks
/// for the channel it is attributed to, and only when we follow that channel, its account or its instance. Its elements
/// are read from the object's pages (fetched from its origin when not inline) and each element from its URL, at most
/// <see cref="PlaylistsApi.MaxElements"/> of them; an element whose video we do not hold is left out (never fetched from here).
/// </summary>
internal sealed class PlaylistHandler(AppDbContext db, RemoteActors actors, VideoTrust trust, ActivityVideos videos, FederationHttpClient http,
    LocalActors local, TimeProvider clock, ILogger<PlaylistHandler> logger) : IActivityHandler
{
    private const int MaxPages = 10;

    public bool Handles(string type, string? objectType) => type is "Create" or "Update" && objectType == "Playlist";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        var obj = activity.Object;
        var url = obj.String("id");
        if (url is null || ActivityJson.HostOf(url) != activity.Host || !Guid.TryParse(obj.String("uuid"), out var uuid))
        {
            return ActivityResult.Ignored("a playlist not from its signer's host");
        }

        var attributedTo = obj.Ids("attributedTo").ToList();
        if (attributedTo.Count != 1 || ActivityJson.HostOf(attributedTo[0]) != activity.Host)
        {
            return ActivityResult.Ignored("a playlist not attributed to one channel of its host");
        }

        var channel = await actors.GetAsync(attributedTo[0], refresh: false, ct);
        if (channel?.ChannelId is not { } channelId || channel.IsLocal)
        {
            return ActivityResult.Ignored("the playlist's channel could not be fetched");
        }

        if (!await trust.SpeaksForAsync(activity.Signer, channel, ct))
        {
            return ActivityResult.Ignored("the signer is neither the playlist's channel, nor its account, nor its instance");
        }

        var playlist = await db.VideoPlaylists.FirstOrDefaultAsync(p => p.RemoteUrl == url, ct);
        if (playlist is not null && playlist.ChannelId != channelId)
        {
            var stored = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.ChannelId == playlist.ChannelId, ct);
            if (stored is null || !await trust.SpeaksForAsync(activity.Signer, stored, ct))
            {
                return ActivityResult.Ignored("the signer does not own the playlist it changes");
            }
        }

        if (!await trust.FollowedAsync(channel, ct))
        {
            return ActivityResult.Ignored("we follow neither the playlist's channel, nor its account, nor its instance");
        }

        var to = obj.Ids("to").Concat(activity.Json.Ids("to")).ToList();
        var elements = await ReadElementsAsync(obj, url, activity.Host, ct);

        var accountId = await db.VideoChannels.Where(c => c.Id == channelId).Select(c => c.AccountId).FirstAsync(ct);
        var now = clock.GetUtcNow();
        if (playlist is null)
        {
            if (await db.VideoPlaylists.AnyAsync(p => p.Uuid == uuid, ct))
            {
                return ActivityResult.Ignored("the playlist's uuid is taken");
            }

            playlist = new VideoPlaylist { Name = "", Uuid = uuid, RemoteUrl = url, CreatedAt = Before(obj.Date("published"), now) };
            db.VideoPlaylists.Add(playlist);
        }

        playlist.Name = Clip(obj.String("name") ?? "", 120) is { Length: > 0 } name ? name : "Playlist";
        playlist.Description = obj.String("content") is { } content ? Clip(content, 1000) : null;
        playlist.Privacy = to.Contains(ActivityJson.Public) ? PlaylistPrivacy.Public : PlaylistPrivacy.Unlisted;
        playlist.Type = PlaylistType.Regular;
        playlist.OwnerAccountId = accountId;
        playlist.ChannelId = channelId;
        playlist.RemoteThumbnailUrl = obj.TryProperty("icon", out var icon) && icon.ValueKind == JsonValueKind.Object
                                      && icon.String("url") is { } iconUrl && ActivityJson.HostOf(iconUrl) == activity.Host ? iconUrl : null;
        playlist.UpdatedAt = Before(obj.Date("updated"), now);

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        // Rebuilt whole, as PeerTube does.
        await db.VideoPlaylistElements.Where(e => e.PlaylistId == playlist.Id).ExecuteDeleteAsync(ct);
        var position = 1;
        foreach (var (elementUrl, videoId, start, stop) in elements)
        {
            db.VideoPlaylistElements.Add(new VideoPlaylistElement
            {
                PlaylistId = playlist.Id, VideoId = videoId, Position = position++, StartTimestamp = start, StopTimestamp = stop,
                RemoteUrl = elementUrl, CreatedAt = now, UpdatedAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return ActivityResult.Done;
    }

    /// <summary>The elements, in order, whose videos we hold.</summary>
    private async Task<List<(string Url, int VideoId, int? Start, int? Stop)>> ReadElementsAsync(JsonElement obj, string playlistUrl, string host, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        var documents = new List<JsonDocument>();
        try
        {
            var signer = LocalActors.SigningKey(await local.InstanceActorAsync(ct));
            if (obj.TryProperty("orderedItems", out var inline) && inline.ValueKind == JsonValueKind.Array)
            {
                items.AddRange(inline.EnumerateArray());
            }
            else
            {
                // PeerTube's crawl: the collection's first page, then each next one.
                JsonElement? page = obj.TryProperty("first", out var first) ? first : null;
                for (var pages = 0; page is { } p && pages < MaxPages && items.Count < PlaylistsApi.MaxElements; pages++)
                {
                    var current = p;
                    if (current.ValueKind == JsonValueKind.String)
                    {
                        if (await FetchAsync(current.GetString()!, host, signer, documents, ct) is not { } fetched)
                        {
                            break;
                        }

                        current = fetched;
                    }

                    if (current.TryProperty("orderedItems", out var pageItems) && pageItems.ValueKind == JsonValueKind.Array)
                    {
                        items.AddRange(pageItems.EnumerateArray());
                    }

                    page = current.TryProperty("next", out var next) ? next : null;
                }
            }

            var result = new List<(string, int, int?, int?)>();
            foreach (var item in items.Take(PlaylistsApi.MaxElements))
            {
                var element = item;
                if (element.ValueKind == JsonValueKind.String)
                {
                    if (await FetchAsync(element.GetString()!, host, signer, documents, ct) is not { } fetched)
                    {
                        continue;
                    }

                    element = fetched;
                }

                if (element.ValueKind != JsonValueKind.Object || element.Type() != "PlaylistElement" || element.String("id") is not { } id
                    || ActivityJson.HostOf(id) != host)
                {
                    continue;
                }

                var video = await videos.ByUrlAsync(element.Id("url"), ct);
                if (video is null)
                {
                    logger.LogDebug("Playlist {Playlist}: element {Element} names a video we do not hold", playlistUrl, id);
                    continue;
                }

                result.Add((id, video.Id, Timestamp(element.Int("startTimestamp")), Timestamp(element.Int("stopTimestamp"))));
            }

            return result;
        }
        finally
        {
            foreach (var document in documents)
            {
                document.Dispose();
            }
        }
    }

    private async Task<JsonElement?> FetchAsync(string url, string host, SigningKey signer, List<JsonDocument> documents, CancellationToken ct)
    {
        if (ActivityJson.HostOf(url) != host || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var fetched = await http.GetActivityAsync(uri, signer, ct);
        if (!fetched.Ok || fetched.Document is null)
        {
            return null;
        }

        documents.Add(fetched.Document);
        return ActivityJson.HostOf(fetched.FinalUrl.AbsoluteUri) == host ? fetched.Document.RootElement : null;
    }

    private static int? Timestamp(int? value) => value is > 0 ? value : null;

    private static DateTimeOffset Before(DateTimeOffset? claimed, DateTimeOffset now) => claimed is { } c && c < now ? c : now;

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];
}

/// <summary>Delete of a remote playlist, from who speaks for its channel.</summary>
internal sealed class DeletePlaylistHandler(AppDbContext db, VideoTrust trust) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Delete";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ActivityJson.IdOf(activity.Object) is not { } url
            || await db.VideoPlaylists.FirstOrDefaultAsync(p => p.RemoteUrl == url, ct) is not { } playlist)
        {
            return ActivityResult.Pass;
        }

        var channel = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.ChannelId == playlist.ChannelId, ct);
        if (channel is null || !await trust.SpeaksForAsync(activity.Signer, channel, ct))
        {
            return ActivityResult.Ignored("only the playlist's owner may delete it");
        }

        db.VideoPlaylists.Remove(playlist);
        await db.SaveChangesAsync(ct);
        return ActivityResult.Done;
    }
}
