using System.Security.Claims;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>PeerTube's VideoPlaylist and VideoPlaylistElement JSON.</summary>
public static class PlaylistDtos
{
    public static readonly IReadOnlyDictionary<int, string> Privacies = new Dictionary<int, string>
    {
        [1] = "Public", [2] = "Unlisted", [3] = "Private",
    };

    public static readonly IReadOnlyDictionary<int, string> Types = new Dictionary<int, string>
    {
        [1] = "Regular", [2] = "Watch later",
    };

    /// <summary>The playlist's ActivityPub id and web address: ours under our URL, a remote one's as its origin gave it.</summary>
    public static string Url(VideoPlaylist p, InstanceOptions instance) => p.RemoteUrl ?? instance.Absolute($"/video-playlists/{p.Uuid}");

    public static string? ThumbnailPath(VideoPlaylist p) => p.ThumbnailFilename is null ? null : $"/lazy-static/thumbnails/{p.ThumbnailFilename}";

    /// <param name="p">With its owner account and channel (and the channel's account) loaded.</param>
    public static Dictionary<string, object?> Playlist(VideoPlaylist p, int videosLength, InstanceOptions instance)
    {
        var thumbnail = ThumbnailPath(p);
        return new Dictionary<string, object?>
        {
            ["id"] = p.Id,
            ["uuid"] = p.Uuid,
            ["shortUUID"] = ShortUuid.FromGuid(p.Uuid),
            ["isLocal"] = p.IsLocal,
            ["url"] = Url(p, instance),
            ["displayName"] = p.Name,
            ["description"] = p.Description,
            ["privacy"] = VideoDtos.Constant(Privacies, (int)p.Privacy),
            ["thumbnailPath"] = thumbnail,
            ["thumbnailUrl"] = thumbnail is null ? p.RemoteThumbnailUrl : instance.Absolute(thumbnail),
            ["embedPath"] = $"/video-playlists/embed/{p.Uuid}",
            ["embedUrl"] = instance.Absolute($"/video-playlists/embed/{p.Uuid}"),
            ["videosLength"] = videosLength,
            ["type"] = VideoDtos.Constant(Types, (int)p.Type),
            ["videoChannelPosition"] = null,
            ["createdAt"] = p.CreatedAt,
            ["updatedAt"] = p.UpdatedAt,
            ["ownerAccount"] = AccountDtos.Summary(p.OwnerAccount!, instance),
            ["videoChannel"] = p.Channel is null ? null : AccountDtos.Summary(p.Channel, instance),
        };
    }

    /// <summary>
    /// PeerTube's element type for this viewer: the video is shown only for <see cref="PlaylistElementType.Regular"/>, so a
    /// private, deleted or blocked video says no more than that it is there.
    /// </summary>
    /// <param name="e">With its video's channel and account loaded.</param>
    public static PlaylistElementType TypeFor(VideoPlaylistElement e, ClaimsPrincipal viewer, IReadOnlySet<int> blockedVideoIds)
    {
        var video = e.Video;
        if (video is null)
        {
            return PlaylistElementType.Deleted;
        }

        var me = viewer.UserId();
        if (me is not null && video.Channel?.Account?.UserId == me)
        {
            return PlaylistElementType.Regular;
        }

        if (video.Privacy == VideoPrivacy.Internal && me is not null)
        {
            return PlaylistElementType.Regular;
        }

        if (video.Privacy is VideoPrivacy.Private or VideoPrivacy.Internal)
        {
            return PlaylistElementType.Private;
        }

        if (blockedVideoIds.Contains(video.Id) || !IsPlayable(video))
        {
            return PlaylistElementType.Unavailable;
        }

        return PlaylistElementType.Regular;
    }

    public static bool IsPlayable(Video v) =>
        v.State == VideoState.Published || (v.State == VideoState.ToTranscode && !v.WaitTranscoding) || v.IsLive;

    public static Dictionary<string, object?> Element(VideoPlaylistElement e, PlaylistElementType type, InstanceOptions instance, VideoUrls urls, ClaimsPrincipal viewer) => new()
    {
        ["id"] = e.Id,
        ["position"] = e.Position,
        ["startTimestamp"] = e.StartTimestamp,
        ["stopTimestamp"] = e.StopTimestamp,
        ["type"] = (int)type,
        ["video"] = type == PlaylistElementType.Regular ? VideoDtos.Summary(e.Video!, instance, urls, viewer) : null,
    };
}
