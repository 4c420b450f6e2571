
namespace PeerTube.Net.Server.Features.Videos;

/// <summary>PeerTube's VideoPrivacy values.</summary>
public enum VideoPrivacy
{
    Public = 1,
    Unlisted = 2,
    Private = 3,
    Internal = 4,

    /// <summary>Watchable by whoever sends one of the video's passwords (<see cref="VideoPassword"/>), PeerTube 6's.</summary>
    PasswordProtected = 5,
}

/// <summary>PeerTube's VideoState values (the subset this server uses).</summary>
public enum VideoState
{
    Published = 1,
    ToTranscode = 2,

    /// <summary>A live video with no stream now: it takes one on its stream key.</summary>
    WaitingForLive = 4,

    /// <summary>A live video whose stream ended (a permanent live goes back to <see cref="WaitingForLive"/> instead).</summary>
    LiveEnded = 5,
    TranscodingFailed = 7,
}

/// <summary>
/// The database row is the truth about a video: jobs read it, move it forward and never trust anything else.
/// </summary>
public sealed class Video
{
    public int Id { get; set; }
    public Guid Uuid { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? Support { get; set; }
    public int ChannelId { get; set; }
    public VideoChannel? Channel { get; set; }
    public VideoPrivacy Privacy { get; set; } = VideoPrivacy.Public;
    public int? Category { get; set; }
    public int? Licence { get; set; }
    public string? Language { get; set; }
    public List<string> Tags { get; set; } = [];
    public bool Nsfw { get; set; }
    public bool WaitTranscoding { get; set; }
    public bool DownloadEnabled { get; set; } = true;
    public int CommentsPolicy { get; set; } = 1;

    public VideoState State { get; set; } = VideoState.ToTranscode;

    /// <summary>A live stream rather than an upload (PeerTube's isLive); the Live feature holds the rest of it.</summary>
    public bool IsLive { get; set; }

    /// <summary>0-100 while the transcoding job runs.</summary>
    public int? TranscodingProgress { get; set; }
    public string? FailureReason { get; set; }

    /// <summary>Which node holds the transcoding job, and until when; see TranscodeVideoJob.</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>The uploaded original under Storage:Root/sources, kept until the ladder is published.</summary>
    public string? SourceFilename { get; set; }
    public long SourceSize { get; set; }

    /// <summary>What ffprobe saw in the upload; the original is listed as a web-video file until the ladder is published.</summary>
    public int? SourceResolution { get; set; }
    public int? SourceWidth { get; set; }
    public int? SourceHeight { get; set; }
    public double? SourceFps { get; set; }
    public string? OriginalFilename { get; set; }

    public string? ThumbnailFilename { get; set; }
    public string? PreviewFilename { get; set; }

    /// <summary>Seconds.</summary>
    public int Duration { get; set; }
    public double? AspectRatio { get; set; }
    public long Views { get; set; }

    /// <summary>
    /// Views counted on this instance. Trending ranks a remote video by these, not by the count its origin claims
    /// (<see cref="VideoAccess.TrendingViews"/>), so a remote origin cannot push its videos above ours.
    /// </summary>
    public long LocalViews { get; set; }
    public int Likes { get; set; }
    public int Dislikes { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset PublishedAt { get; set; }

    /// <summary>When the work was first published elsewhere, as its creator says (PeerTube's originallyPublishedAt).</summary>
    public DateTimeOffset? OriginallyPublishedAt { get; set; }

    /// <summary>
    /// PeerTube's scheduleUpdate: at <see cref="ScheduledUpdateAt"/> the video takes <see cref="ScheduledPrivacy"/>
    /// (public when null); <see cref="ScheduledUpdatesJob"/> applies it and clears both.
    /// </summary>
    public DateTimeOffset? ScheduledUpdateAt { get; set; }
    public VideoPrivacy? ScheduledPrivacy { get; set; }

    public VideoStreamingPlaylist? StreamingPlaylist { get; set; }

    /// <summary>
    /// Put in every torrent of the video (ADR 005), so the info-hashes change with each privacy change and a torrent or
    /// magnet saved before leads nowhere. Null until the privacy first changes.
    /// </summary>
    public string? TorrentSalt { get; set; }

    /// <summary>Gives the video's torrents new info-hashes (at each privacy change), so whoever kept the old torrent or
    /// magnet finds neither our seeder nor peers through our tracker.</summary>
    public void ResaltTorrents() => TorrentSalt = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// A federated video is a reference, not files: its ActivityPub id, and where its origin serves the HLS master,
    /// the sha256 JSON and the images. All null for ours.
    /// </summary>
    public string? RemoteUrl { get; set; }
    public string? RemotePlaylistUrl { get; set; }
    public string? RemoteSegmentsSha256Url { get; set; }
    public string? RemoteThumbnailUrl { get; set; }
    public string? RemotePreviewUrl { get; set; }

    /// <summary>
    /// A remote video that its origin serves as web videos only (plain MP4 files, no HLS, as PeerTube instances with
    /// HLS turned off do): its files, as JSON written by <see cref="RemoteWebVideo.Write"/>. Null when it has HLS, and for ours.
    /// </summary>
    public string? RemoteWebVideosJson { get; set; }

    /// <summary>The files of <see cref="RemoteWebVideosJson"/>, highest first; empty for a video with HLS.</summary>
    public IReadOnlyList<RemoteWebVideo> RemoteWebVideos() => RemoteWebVideo.Read(RemoteWebVideosJson);

    /// <summary>Views counted here not yet told to other instances (a remote video's origin, our video's followers); drained by the views batch.</summary>
    public long PendingRemoteViews { get; set; }

    public bool IsLocal => RemoteUrl is null;
}

/// <summary>
/// One password of a password-protected video. Kept as given, as PeerTube does: its owner lists them back
/// (<c>GET /api/v1/videos/{id}/passwords</c>) to share them.
/// </summary>
public sealed class VideoPassword
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public required string Password { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>The HLS playlist of a video (PeerTube's videoStreamingPlaylist, type 1).</summary>
public sealed class VideoStreamingPlaylist
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public required string PlaylistFilename { get; set; }
    public required string SegmentsSha256Filename { get; set; }
    public List<VideoFile> Files { get; set; } = [];

    /// <summary>A live's renditions while it streams (short sides, in the master playlist's order; it has no files): one swarm each. Null otherwise.</summary>
    public List<int>? LiveResolutions { get; set; }
}

/// <summary>One rendition of the ladder: a single fragmented MP4 and its byte-range media playlist.</summary>
public sealed class VideoFile
{
    public int Id { get; set; }
    public int StreamingPlaylistId { get; set; }
    public VideoStreamingPlaylist? StreamingPlaylist { get; set; }

    /// <summary>PeerTube's resolution: the short side in pixels, 0 for audio only.</summary>
    public int Resolution { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public double Fps { get; set; }
    public long Size { get; set; }
    public required string Filename { get; set; }
    public required string PlaylistFilename { get; set; }
    public bool HasAudio { get; set; }
    public bool HasVideo { get; set; }
    public string? TorrentFilename { get; set; }
    public string? InfoHash { get; set; }

    /// <summary>A remote video's file, torrent and magnet at its origin.</summary>
    public string? RemoteFileUrl { get; set; }
    public string? RemoteTorrentUrl { get; set; }
    public string? RemoteMagnetUri { get; set; }
}

/// <summary>One web-video file of a remote video, at its origin: <c>url[]</c>'s <c>video/mp4</c> Link and its torrent.</summary>
public sealed record RemoteWebVideo(int Height, int? Width, double Fps, long Size, string Url, string? TorrentUrl, string? MagnetUri)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>The one a player starts with: the highest at or below 720p (PeerTube's default), else the lowest.</summary>
    public static RemoteWebVideo? Preferred(IReadOnlyList<RemoteWebVideo> files) =>
        files.Where(f => f.Height is > 0 and <= 720).MaxBy(f => f.Height) ?? files.Where(f => f.Height > 0).MinBy(f => f.Height) ?? files.FirstOrDefault();

    public static string? Write(IReadOnlyCollection<RemoteWebVideo> files) =>
        files.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(files.OrderByDescending(f => f.Height), Json);

    public static IReadOnlyList<RemoteWebVideo> Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<RemoteWebVideo>>(json, Json) ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }
}
