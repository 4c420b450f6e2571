using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Torrents;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>
/// Our ActivityPub documents in PeerTube's shapes (docs/federation/peertube-activitypub.md): actors, the Video object,
/// comments as Note, and the activities that carry them. Ids are PeerTube's URLs, so PeerTube recognises them.
/// </summary>
public sealed class ActivityObjects(IOptions<InstanceOptions> instance, VideoUrls urls, VideoTorrents torrents, TimeProvider clock)
{
    private InstanceOptions Instance => instance.Value;

    public string VideoUrl(Video v) => v.RemoteUrl ?? Instance.Absolute($"/videos/watch/{v.Uuid}");

    public string CommentUrl(Video v, int commentId) => Instance.Absolute($"/videos/watch/{v.Uuid}/comments/{commentId.ToString(CultureInfo.InvariantCulture)}");

    public string AbuseUrl(int abuseId) => Instance.Absolute($"/admin/abuses/{abuseId.ToString(CultureInfo.InvariantCulture)}");

    /// <param name="profile">What the account or channel says of itself (description, support, avatars, banners).</param>
    public JsonObject ActorDocument(Actor actor, string? ownerAccountUrl, ActorProfile? profile = null)
    {
        var type = actor.Type switch
        {
            ActorType.Application => "Application",
            ActorType.Group => "Group",
            _ => "Person",
        };
        var profileUrl = actor.Type switch
        {
            ActorType.Group => Instance.Absolute($"/c/{Uri.EscapeDataString(actor.PreferredUsername)}"),
            ActorType.Person => Instance.Absolute($"/a/{Uri.EscapeDataString(actor.PreferredUsername)}"),
            _ => Instance.Absolute("/"),
        };
        var doc = new JsonObject
        {
            ["type"] = type,
            ["id"] = actor.Url,
            ["following"] = actor.FollowingUrl,
            ["followers"] = actor.FollowersUrl,
            ["playlists"] = actor.Url + "/playlists",
            ["inbox"] = actor.InboxUrl,
            ["outbox"] = actor.OutboxUrl,
            ["preferredUsername"] = actor.PreferredUsername,
            ["url"] = profileUrl,
            ["name"] = actor.DisplayName ?? actor.PreferredUsername,
            ["endpoints"] = new JsonObject { ["sharedInbox"] = actor.SharedInboxUrl },
            ["publicKey"] = new JsonObject
            {
                ["id"] = actor.KeyId,
                ["owner"] = actor.Url,
                ["publicKeyPem"] = actor.PublicKeyPem,
            },
            ["published"] = actor.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["summary"] = profile is null ? actor.Summary : profile.Summary,
            ["icon"] = Images(profile, ActorImageType.Avatar),
            ["image"] = Images(profile, ActorImageType.Banner),
        };
        if (profile is not null)
        {
            doc["name"] = profile.DisplayName;
        }

        if (actor.Type == ActorType.Group && ownerAccountUrl is not null)
        {
            doc["support"] = profile?.Support;
            doc["postingRestrictedToMods"] = false;
            doc["attributedTo"] = new JsonArray(new JsonObject { ["type"] = "Person", ["id"] = ownerAccountUrl });
        }

        return ActivityJson.WithContext(doc);
    }

    /// <summary>PeerTube's ActivityIconObject list: one Image per size, largest first.</summary>
    private JsonArray Images(ActorProfile? profile, ActorImageType type)
    {
        var array = new JsonArray();
        foreach (var image in (profile?.Images ?? []).Where(i => i.Type == type).OrderByDescending(i => i.Width))
        {
            array.Add(new JsonObject
            {
                ["type"] = "Image", ["mediaType"] = "image/jpeg", ["height"] = image.Height, ["width"] = image.Width,
                ["url"] = Instance.Absolute(image.Path),
            });
        }

        return array;
    }

    /// <summary>PeerTube's VideoObject for one of our published videos.</summary>
    /// <param name="live">A live's settings (PeerTube's buildLiveAPAttributes); null for an upload.</param>
    public JsonObject Video(Video v, string accountUrl, string channelUrl, bool withContext = true, Live.LiveVideo? live = null)
    {
        var url = VideoUrl(v);
        var playlist = v.StreamingPlaylist;
        var links = new JsonArray(new JsonObject { ["type"] = "Link", ["mediaType"] = "text/html", ["href"] = url });
        if (playlist is not null)
        {
            var tags = new JsonArray();
            foreach (var hash in Peers.SwarmIds.InfoHashes(v, urls))
            {
                tags.Add(new JsonObject { ["type"] = "Infohash", ["name"] = hash });
            }

            tags.Add(new JsonObject
            {
                ["type"] = "Link", ["name"] = "sha256", ["mediaType"] = "application/json", ["href"] = urls.Hls(v, playlist.SegmentsSha256Filename),
            });
            foreach (var f in playlist.Files.OrderByDescending(f => f.Resolution))
            {
                tags.Add(new JsonObject
                {
                    ["type"] = "Link",
                    ["mediaType"] = "video/mp4",
                    ["href"] = urls.Hls(v, f.Filename),
                    ["height"] = f.Resolution,
                    ["width"] = f.Width,
                    ["size"] = f.Size,
                    ["fps"] = f.Fps,
                });
                if (f.TorrentFilename is not null)
                {
                    tags.Add(new JsonObject
                    {
                        ["type"] = "Link", ["mediaType"] = "application/x-bittorrent", ["href"] = urls.Torrent(f.TorrentFilename),
                        ["height"] = f.Resolution, ["width"] = f.Width, ["fps"] = f.Fps,
                    });
                    tags.Add(new JsonObject
                    {
                        ["type"] = "Link", ["mediaType"] = "application/x-bittorrent;x-scheme-handler/magnet", ["href"] = torrents.MagnetUri(v, f),
                        ["height"] = f.Resolution, ["width"] = f.Width, ["fps"] = f.Fps,
                    });
                }
            }

            links.Add(new JsonObject
            {
                ["type"] = "Link", ["mediaType"] = "application/x-mpegURL", ["href"] = urls.Hls(v, playlist.PlaylistFilename), ["tag"] = tags,
            });
        }

        links.Add(new JsonObject { ["type"] = "Link", ["name"] = "tracker-http", ["rel"] = new JsonArray("tracker", "http"), ["href"] = torrents.HttpTrackerUrl });
        links.Add(new JsonObject { ["type"] = "Link", ["name"] = "tracker-websocket", ["rel"] = new JsonArray("tracker", "websocket"), ["href"] = torrents.WebSocketTrackerUrl });

        var hashtags = new JsonArray();
        foreach (var tag in v.Tags)
        {
            hashtags.Add(new JsonObject { ["type"] = "Hashtag", ["name"] = tag });
        }

        var icons = new JsonArray();
        if (VideoUrls.ThumbnailPath(v) is { } thumbnail)
        {
            icons.Add(new JsonObject { ["type"] = "Image", ["url"] = Instance.Absolute(thumbnail), ["mediaType"] = "image/jpeg", ["width"] = 280, ["height"] = 157 });
        }

        if (VideoUrls.PreviewPath(v) is { } preview)
        {
            icons.Add(new JsonObject { ["type"] = "Image", ["url"] = Instance.Absolute(preview), ["mediaType"] = "image/jpeg", ["width"] = 850, ["height"] = 480 });
        }

        var doc = new JsonObject
        {
            ["type"] = "Video",
            ["id"] = url,
            ["name"] = v.Name,
            ["duration"] = ActivityJson.Duration(v.Duration),
            ["uuid"] = v.Uuid.ToString(),
            ["tag"] = hashtags,
            ["category"] = v.Category is { } c ? new JsonObject { ["identifier"] = c.ToString(CultureInfo.InvariantCulture), ["name"] = VideoConstants.Categories.GetValueOrDefault(c, "Unknown") } : null,
            ["licence"] = v.Licence is { } l ? new JsonObject { ["identifier"] = l.ToString(CultureInfo.InvariantCulture), ["name"] = VideoConstants.Licences.GetValueOrDefault(l, "Unknown") } : null,
            ["language"] = v.Language is { } lang ? new JsonObject { ["identifier"] = lang, ["name"] = lang } : null,
            ["views"] = v.Views,
            ["sensitive"] = v.Nsfw,
            ["waitTranscoding"] = v.WaitTranscoding,
            ["state"] = (int)v.State,
            ["commentsEnabled"] = v.CommentsPolicy != 2,
            ["commentsPolicy"] = v.CommentsPolicy,
            ["canReply"] = null,
            ["downloadEnabled"] = v.DownloadEnabled,
            ["published"] = Iso(v.PublishedAt),
            ["originallyPublishedAt"] = v.OriginallyPublishedAt is { } original ? Iso(original) : null,
            ["updated"] = Iso(v.UpdatedAt),
            ["mediaType"] = "text/markdown",
            ["content"] = v.Description,
            ["support"] = v.Support,
            ["subtitleLanguage"] = new JsonArray(),
            ["icon"] = icons,
            ["preview"] = new JsonArray(),
            ["aspectRatio"] = v.AspectRatio,
            // A live's HLS (in url[] while it streams) is its rolling playlist: no files, its sha256 JSON grows with it.
            ["isLiveBroadcast"] = v.IsLive,
            ["liveSaveReplay"] = v.IsLive ? live?.SaveReplay ?? false : null,
            ["permanentLive"] = v.IsLive ? live?.PermanentLive ?? false : null,
            ["latencyMode"] = v.IsLive ? (int)(live?.LatencyMode ?? Live.LiveLatencyMode.Default) : null,
            ["url"] = links,
            ["likes"] = url + "/likes",
            ["dislikes"] = url + "/dislikes",
            ["shares"] = url + "/announces",
            ["comments"] = url + "/comments",
            ["attributedTo"] = new JsonArray(
                new JsonObject { ["type"] = "Person", ["id"] = accountUrl },
                new JsonObject { ["type"] = "Group", ["id"] = channelUrl }),
            ["to"] = new JsonArray(ActivityJson.Public),
            ["cc"] = new JsonArray(channelUrl + "/followers"),
        };
        return withContext ? ActivityJson.WithContext(doc) : doc;
    }

    public JsonObject Note(Video v, string commentUrl, string text, string authorUrl, string? inReplyTo, DateTimeOffset published, string? videoOwnerFollowers)
    {
        var cc = new JsonArray();
        if (videoOwnerFollowers is not null)
        {
            cc.Add(videoOwnerFollowers);
        }

        return new JsonObject
        {
            ["type"] = "Note",
            ["id"] = commentUrl,
            ["content"] = text,
            ["mediaType"] = "text/markdown",
            ["inReplyTo"] = inReplyTo ?? VideoUrl(v),
            ["published"] = Iso(published),
            ["updated"] = Iso(published),
            ["url"] = commentUrl,
            ["attributedTo"] = authorUrl,
            ["to"] = new JsonArray(ActivityJson.Public),
            ["cc"] = cc,
            ["tag"] = new JsonArray(),
        };
    }

    /// <summary>An activity, with PeerTube's context, addressed to the public and to the given collections.</summary>
    public JsonObject Activity(string type, string id, string actorUrl, JsonNode? obj, params string?[] cc)
    {
        var ccArray = new JsonArray();
        foreach (var c in cc.Where(c => c is not null))
        {
            ccArray.Add(c);
        }

        return ActivityJson.WithContext(new JsonObject
        {
            ["type"] = type,
            ["id"] = id,
            ["actor"] = actorUrl,
            ["object"] = obj,
            ["to"] = new JsonArray(ActivityJson.Public),
            ["cc"] = ccArray,
            ["published"] = Iso(clock.GetUtcNow()),
        });
    }

    /// <summary>
    /// PeerTube's hasStateForFederation: a published video, or a live waiting for its stream or ended (followers hear of
    /// a live from its creation on, and of each change of its state).
    /// </summary>
    public static bool HasStateForFederation(Video v) =>
        v.State == VideoState.Published || (v.IsLive && v.State is VideoState.WaitingForLive or VideoState.LiveEnded);

    public static string Iso(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
