using System.Security.Claims;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>PeerTube's Video / VideoDetails JSON, built from our rows. URLs are absolute, from Instance:PublicUrl.</summary>
public static class VideoDtos
{
    public static IdLabel<int?> Constant(IReadOnlyDictionary<int, string> table, int? id) =>
        new(id, id is { } i && table.TryGetValue(i, out var label) ? label : "Unknown");

    /// <param name="viewer">Who asks: some fields are only for the owner and moderators.</param>
    public static Dictionary<string, object?> Summary(Video v, InstanceOptions instance, VideoUrls urls, ClaimsPrincipal viewer)
    {
        var channel = v.Channel!;
        return new Dictionary<string, object?>
        {
            ["id"] = v.Id,
            ["uuid"] = v.Uuid,
            ["shortUUID"] = ShortUuid.FromGuid(v.Uuid),
            ["url"] = v.RemoteUrl ?? instance.Absolute($"/videos/watch/{v.Uuid}"),
            ["name"] = v.Name,
            ["category"] = Constant(VideoConstants.Categories, v.Category),
            ["licence"] = Constant(VideoConstants.Licences, v.Licence),
            ["language"] = new IdLabel<string?>(v.Language, v.Language ?? "Unknown"),
            ["privacy"] = Constant(VideoConstants.Privacies, (int)v.Privacy),
            ["nsfw"] = v.Nsfw,
            ["truncatedDescription"] = Truncate(v.Description, 250),
            ["description"] = Truncate(v.Description, 250),
            ["isLocal"] = v.IsLocal,
            ["isLive"] = v.IsLive,
            ["duration"] = v.Duration,
            ["aspectRatio"] = v.AspectRatio,
            ["views"] = v.Views,
            ["viewers"] = 0,
            ["likes"] = v.Likes,
            ["dislikes"] = v.Dislikes,
            ["thumbnailPath"] = VideoUrls.ThumbnailPath(v),
            ["previewPath"] = VideoUrls.PreviewPath(v),
            ["embedPath"] = $"/videos/embed/{v.Uuid}",
            ["createdAt"] = v.CreatedAt,
            ["updatedAt"] = v.UpdatedAt,
            ["publishedAt"] = v.PublishedAt,
            ["originallyPublishedAt"] = v.OriginallyPublishedAt,
            ["waitTranscoding"] = v.WaitTranscoding,
            ["state"] = Constant(VideoConstants.States, (int)v.State),
            // Not in PeerTube's payload: how far the transcoding job is, and why it failed.
            ["transcodingProgress"] = v.State == VideoState.ToTranscode ? v.TranscodingProgress ?? 0 : v.TranscodingProgress,
            ["transcodingError"] = VideoAccess.CanSeeTranscodingError(channel.Account!.UserId, viewer) ? v.FailureReason : null,
            ["blacklisted"] = false,
            ["account"] = AccountDtos.Summary(channel.Account!, instance),
            ["channel"] = AccountDtos.Summary(channel, instance),
        };
    }

    internal static Dictionary<string, object?> WebVideoFile(RemoteWebVideo f) => new()
    {
        ["id"] = 0,
        ["resolution"] = new IdLabel<int>(f.Height, f.Height == 0 ? "Audio only" : $"{f.Height}p"),
        ["size"] = f.Size,
        ["fps"] = f.Fps,
        ["width"] = f.Width,
        ["height"] = f.Height,
        ["hasAudio"] = null,
        ["hasVideo"] = f.Height > 0,
        ["fileUrl"] = f.Url,
        ["fileDownloadUrl"] = f.Url,
        ["playlistUrl"] = null,
        ["torrentUrl"] = f.TorrentUrl,
        ["torrentDownloadUrl"] = f.TorrentUrl,
        ["magnetUri"] = f.MagnetUri,
        ["infoHash"] = null,
        ["metadataUrl"] = null,
    };

    internal static Dictionary<string, object?>? SourceFile(Video v, VideoUrls urls)
    {
        if (v.SourceFilename is null || v.State != VideoState.ToTranscode)
        {
            return null;
        }

        var resolution = v.SourceResolution ?? 0;
        return new Dictionary<string, object?>
        {
            ["id"] = 0,
            ["resolution"] = new IdLabel<int>(resolution, resolution == 0 ? "Audio only" : $"{resolution}p"),
            ["size"] = v.SourceSize,
            ["fps"] = v.SourceFps ?? 0,
            ["width"] = v.SourceWidth,
            ["height"] = v.SourceHeight,
            ["hasAudio"] = null,
            ["hasVideo"] = v.SourceWidth is not null,
            ["fileUrl"] = urls.WebVideo(v),
            ["fileDownloadUrl"] = urls.WebVideo(v),
            ["playlistUrl"] = null,
            ["torrentUrl"] = null,
            ["torrentDownloadUrl"] = null,
            ["magnetUri"] = null,
            ["infoHash"] = null,
            ["metadataUrl"] = null,
        };
    }

    internal static Dictionary<string, object?> File(Video v, VideoFile f, VideoUrls urls) => new()
    {
        ["id"] = f.Id,
        ["resolution"] = new IdLabel<int>(f.Resolution, f.Resolution == 0 ? "Audio only" : $"{f.Resolution}p"),
        ["size"] = f.Size,
        ["fps"] = f.Fps,
        ["width"] = f.Width,
        ["height"] = f.Height,
        ["hasAudio"] = f.HasAudio,
        ["hasVideo"] = f.HasVideo,
        ["fileUrl"] = f.RemoteFileUrl ?? urls.Hls(v, f.Filename),
        ["fileDownloadUrl"] = f.RemoteFileUrl ?? urls.Download(v, f),
        ["playlistUrl"] = urls.Hls(v, f.PlaylistFilename),
        // A remote video's torrent is its origin's; ours are added by the torrents' part (IVideoDetailsPart).
        ["torrentUrl"] = f.RemoteTorrentUrl,
        ["torrentDownloadUrl"] = f.RemoteTorrentUrl,
        ["magnetUri"] = f.RemoteMagnetUri,
        ["infoHash"] = f.InfoHash,
        ["metadataUrl"] = null,
    };

    private static string? Truncate(string? text, int length) =>
        text is null || text.Length <= length ? text : text[..(length - 3)] + "...";
}

/// <summary>Where a video's files are served. Private videos live under a /private/ prefix, as in PeerTube.</summary>
public sealed class VideoUrls(InstanceOptions instance)
{
    /// <summary>Private, internal and password-protected videos: their files are behind the private path (PeerTube's rule).</summary>
    public static bool IsPrivateLike(Video v) => IsPrivateLike(v.Privacy);

    public static bool IsPrivateLike(VideoPrivacy privacy) => privacy is VideoPrivacy.Private or VideoPrivacy.Internal or VideoPrivacy.PasswordProtected;

    /// <summary>
    /// A remote video's files sit next to its master playlist at the origin (PeerTube's layout), so a file name is
    /// enough to find any of them there.
    /// </summary>
    public string Hls(Video v, string filename) =>
        v.RemotePlaylistUrl is { } master
            ? new Uri(new Uri(master), Uri.EscapeDataString(filename)).AbsoluteUri
            : instance.Absolute(IsPrivateLike(v)
            ? $"/static/streaming-playlists/hls/private/{v.Uuid}/{filename}"
            : $"/static/streaming-playlists/hls/{v.Uuid}/{filename}");

    public string Download(Video v, VideoFile f) =>
        instance.Absolute($"/download/streaming-playlists/hls/videos/{v.Uuid}-{f.Resolution}-fragmented.mp4");

    /// <summary>The original upload, served while the ladder is being made (PeerTube's web-videos path).</summary>
    public string WebVideo(Video v) =>
        instance.Absolute((IsPrivateLike(v) ? "/static/web-videos/private/" : "/static/web-videos/")
                          + $"{v.Uuid}-{v.SourceResolution ?? 0}{Path.GetExtension(v.SourceFilename)}");

    /// <summary>Ours are served by us; a remote video's through our lazy-static path, which fetches it from the origin.</summary>
    public static string? ThumbnailPath(Video v) => v.ThumbnailFilename is null ? null : $"/lazy-static/thumbnails/{v.ThumbnailFilename}";

    public static string? PreviewPath(Video v) => v.PreviewFilename is null ? null : $"/lazy-static/previews/{v.PreviewFilename}";

    public string Torrent(string torrentFilename) => instance.Absolute($"/lazy-static/torrents/{torrentFilename}");
    public string TorrentDownload(string torrentFilename) => instance.Absolute($"/download/torrents/{torrentFilename}");
}
