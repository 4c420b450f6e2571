namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>PeerTube's VideoPlaylistPrivacy.</summary>
public enum PlaylistPrivacy
{
    Public = 1,
    Unlisted = 2,
    Private = 3,
}

/// <summary>PeerTube's VideoPlaylistType: every user has exactly one watch-later list, private and undeletable.</summary>
public enum PlaylistType
{
    Regular = 1,
    WatchLater = 2,
}

/// <summary>PeerTube's VideoPlaylistElementType: what a viewer is told about an element whose video they may not see.</summary>
public enum PlaylistElementType
{
    Regular = 0,
    Deleted = 1,
    Private = 2,
    Unavailable = 3,
}

/// <summary>An ordered list of videos, owned by an account and (when public) shown in one of its channels.</summary>
public sealed class VideoPlaylist
{
    public int Id { get; set; }
    public Guid Uuid { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public PlaylistPrivacy Privacy { get; set; } = PlaylistPrivacy.Private;
    public PlaylistType Type { get; set; } = PlaylistType.Regular;
    public int OwnerAccountId { get; set; }
    public Account? OwnerAccount { get; set; }
    public int? ChannelId { get; set; }
    public VideoChannel? Channel { get; set; }

    /// <summary>A file under Storage's thumbnails folder, re-encoded by us (an upload, or a copy of the first video's).</summary>
    public string? ThumbnailFilename { get; set; }

    /// <summary>The ActivityPub id of a remote playlist; null for ours.</summary>
    public string? RemoteUrl { get; set; }

    /// <summary>A remote playlist's icon at its origin.</summary>
    public string? RemoteThumbnailUrl { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<VideoPlaylistElement> Elements { get; set; } = [];

    public bool IsLocal => RemoteUrl is null;
}

/// <summary>One place in a playlist. The video may be gone (deleted): the element stays, as PeerTube keeps it.</summary>
public sealed class VideoPlaylistElement
{
    public int Id { get; set; }
    public int PlaylistId { get; set; }
    public VideoPlaylist? Playlist { get; set; }
    public int? VideoId { get; set; }
    public Video? Video { get; set; }

    /// <summary>1-based, contiguous within a playlist.</summary>
    public int Position { get; set; }

    /// <summary>Seconds.</summary>
    public int? StartTimestamp { get; set; }
    public int? StopTimestamp { get; set; }

    /// <summary>The ActivityPub id of a remote playlist's element.</summary>
    public string? RemoteUrl { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
