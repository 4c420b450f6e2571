using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Live;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// A remote video is a reference: its metadata and where its origin serves its HLS, torrents and images. Made or
/// refreshed from a Video object, whose id, channel and files must all be on the host that sent it. A live
/// (<c>isLiveBroadcast</c>) keeps the state its origin gives (waiting, streaming, ended) and, while it streams, the
/// origin's live master playlist and sha256 JSON, which our player reads from the origin.
/// </summary>
public sealed partial class RemoteVideos(AppDbContext db, RemoteActors actors, VideoRemoval removal, Microsoft.Extensions.Options.IOptionsMonitor<FederationOptions> options,
    TimeProvider clock, ILogger<RemoteVideos> logger)
{
    /// <returns>The video's id here, or null when the object was refused.</returns>
    public async Task<int?> UpsertAsync(JsonElement obj, string originHost, CancellationToken ct)
    {
        var url = obj.String("id");
        if (obj.Type() != "Video" || url is null || ActivityJson.HostOf(url) != originHost || !Guid.TryParse(obj.String("uuid"), out var uuid))
        {
            LogRefused(url, "not a Video from its origin");
            return null;
        }

        var channelUrl = obj.Items("attributedTo").Where(a => a.Type() == "Group").Select(ActivityJson.IdOf).FirstOrDefault(u => u is not null);
        if (channelUrl is null || ActivityJson.HostOf(channelUrl) != originHost)
        {
            LogRefused(url, "no channel on the video's host");
            return null;
        }

        var channelActor = await actors.GetAsync(channelUrl, refresh: false, ct);
        if (channelActor?.ChannelId is not { } channelId || channelActor.IsLocal)
        {
            LogRefused(url, "its channel could not be fetched");
            return null;
        }

        var video = await db.Videos.Include(v => v.StreamingPlaylist!).ThenInclude(p => p.Files).FirstOrDefaultAsync(v => v.RemoteUrl == url, ct);
        if (video is null)
        {
            if (await db.Videos.AnyAsync(v => v.Uuid == uuid, ct))
            {
                LogRefused(url, "its uuid is taken by another video");
                return null;
            }

            video = new Video { Name = "", Uuid = uuid, RemoteUrl = url, CreatedAt = clock.GetUtcNow() };
            db.Videos.Add(video);
        }

        // Never in the future: a date from tomorrow would hide every later update, and pin the swarm directory's signature.
        var now = clock.GetUtcNow();
        var updated = obj.Date("updated") is { } claimed && claimed < now ? claimed : now;
        if (video.Id != 0 && video.UpdatedAt > updated)
        {
            return video.Id; // An older version arriving late.
        }

        video.ChannelId = channelId;
        video.Name = Clip(obj.String("name") ?? "", 120);
        video.Description = obj.String("content");
        video.Support = obj.String("support");
        video.Tags = obj.Items("tag").Where(t => t.Type() == "Hashtag").Select(t => t.String("name")?.TrimStart('#')).OfType<string>().Take(10).ToList();
        video.Category = obj.TryProperty("category", out var category) ? category.Int("identifier") : null;
        video.Licence = obj.TryProperty("licence", out var licence) ? licence.Int("identifier") : null;
        video.Language = obj.TryProperty("language", out var language) ? language.String("identifier") : null;
        video.Nsfw = obj.Bool("sensitive") ?? false;
        video.Duration = ActivityJson.ParseDuration(obj.String("duration"));
        video.AspectRatio = obj.Double("aspectRatio");
        // Capped: trending and "most viewed" rank by views, and a remote origin's count is only its word.
        video.Views = Math.Clamp(obj.Long("views") ?? video.Views, 0, options.CurrentValue.MaxRemoteVideoViews);
        video.CommentsPolicy = obj.Int("commentsPolicy") ?? (obj.Bool("commentsEnabled") == false ? 2 : 1);
        video.DownloadEnabled = obj.Bool("downloadEnabled") ?? true;
        video.WaitTranscoding = obj.Bool("waitTranscoding") ?? false;
        video.PublishedAt = obj.Date("published") ?? clock.GetUtcNow();
        video.OriginallyPublishedAt = obj.Date("originallyPublishedAt");
        video.UpdatedAt = updated;
        video.IsLive = obj.Bool("isLiveBroadcast") ?? false;
        video.State = video.IsLive ? LiveState(obj.Int("state")) : VideoState.Published;
        await UpsertLiveAsync(obj, video, ct);
        var to = obj.Ids("to").ToList();
        video.Privacy = to.Contains(ActivityJson.Public) ? VideoPrivacy.Public : VideoPrivacy.Unlisted;

        var icons = obj.Items("icon").Where(i => i.String("url") is { } u && ActivityJson.HostOf(u) == originHost).OrderBy(i => i.Int("width") ?? 0).ToList();
        video.RemoteThumbnailUrl = icons.FirstOrDefault().String("url");
        video.RemotePreviewUrl = icons.LastOrDefault().String("url");
        // The name carries the origin URL's hash: a new image at the origin is a new file here, never the stale one.
        video.ThumbnailFilename = video.RemoteThumbnailUrl is { } t ? $"{uuid}-remote-{UrlTag(t)}.jpg" : null;
        video.PreviewFilename = video.RemotePreviewUrl is { } p ? $"{uuid}-remote-preview-{UrlTag(p)}.jpg" : null;

        ReadHls(obj, video, originHost);
        // Without HLS (a PeerTube instance with only web videos), the video plays from its MP4 files at the origin.
        video.RemoteWebVideosJson = video.StreamingPlaylist is null ? RemoteWebVideo.Write(ReadWebVideos(obj, originHost)) : null;
        await db.SaveChangesAsync(ct);
        return video.Id;
    }

    /// <summary>A live's state as its origin tells it: streaming (1), ended (5), or waiting for its stream (4, and anything else).</summary>
    private static VideoState LiveState(int? state) => state switch
    {
        (int)VideoState.Published => VideoState.Published,
        (int)VideoState.LiveEnded => VideoState.LiveEnded,
        _ => VideoState.WaitingForLive,
    };

    /// <summary>
    /// A remote live keeps its settings in a live row as ours do (the player reads its latency mode there); the row goes
    /// when the video stops being a live (its origin saved the replay in it). Its stream key is a random placeholder
    /// that nothing shows, and the ingest takes no stream for a remote video.
    /// </summary>
    private async Task UpsertLiveAsync(JsonElement obj, Video video, CancellationToken ct)
    {
        var live = video.Id == 0 ? null : await db.LiveVideos.FirstOrDefaultAsync(l => l.VideoId == video.Id, ct);
        if (!video.IsLive)
        {
            if (live is not null)
            {
                db.LiveVideos.Remove(live);
            }

            return;
        }

        var now = clock.GetUtcNow();
        if (live is null)
        {
            live = new LiveVideo { Video = video, StreamKey = LiveVideo.NewStreamKey(), CreatedAt = now };
            db.LiveVideos.Add(live);
        }

        live.SaveReplay = obj.Bool("liveSaveReplay") ?? false;
        live.PermanentLive = obj.Bool("permanentLive") ?? false;
        live.LatencyMode = obj.Int("latencyMode") is { } mode && Enum.IsDefined((LiveLatencyMode)mode) ? (LiveLatencyMode)mode : LiveLatencyMode.Default;
        live.UpdatedAt = now;
    }

    /// <summary>The HLS entry of url[]: the master playlist, its sha256 JSON and one file per resolution.</summary>
    private static void ReadHls(JsonElement obj, Video video, string originHost)
    {
        var hls = obj.Items("url").FirstOrDefault(u => u.String("mediaType") == "application/x-mpegURL" && u.String("href") is { } h && ActivityJson.HostOf(h) == originHost);
        if (hls.ValueKind != JsonValueKind.Object)
        {
            video.RemotePlaylistUrl = null;
            video.StreamingPlaylist = null;
            return;
        }

        var master = hls.String("href")!;
        var tags = hls.Items("tag").ToList();
        var sha = tags.FirstOrDefault(t => t.String("name") == "sha256").String("href");
        video.RemotePlaylistUrl = master;
        video.RemoteSegmentsSha256Url = sha is not null && ActivityJson.HostOf(sha) == originHost ? sha : null;

        var playlist = video.StreamingPlaylist ??= new VideoStreamingPlaylist { PlaylistFilename = "", SegmentsSha256Filename = "" };
        playlist.PlaylistFilename = FileName(master);
        playlist.SegmentsSha256Filename = video.RemoteSegmentsSha256Url is { } s ? FileName(s) : "";
        playlist.Files.Clear();
        foreach (var link in tags.Where(t => t.String("mediaType") == "video/mp4" && t.String("href") is { } h && ActivityJson.HostOf(h) == originHost))
        {
            var height = link.Int("height") ?? 0;
            var href = link.String("href")!;
            var (torrent, magnet) = TorrentOf(tags, height, originHost);
            var fileName = FileName(href);
            playlist.Files.Add(new VideoFile
            {
                Resolution = height,
                Width = link.Int("width"),
                Height = height,
                Fps = link.Double("fps") ?? 0,
                Size = link.Long("size") ?? 0,
                Filename = fileName,
                // PeerTube names a rendition's playlist after its file: <id>-<res>-fragmented.mp4 → <id>-<res>.m3u8.
                PlaylistFilename = fileName.EndsWith("-fragmented.mp4", StringComparison.Ordinal) ? fileName[..^"-fragmented.mp4".Length] + ".m3u8" : fileName + ".m3u8",
                HasAudio = true,
                HasVideo = height > 0,
                RemoteFileUrl = href,
                RemoteTorrentUrl = torrent,
                RemoteMagnetUri = magnet,
                InfoHash = MagnetInfoHash(magnet),
            });
        }
    }

    /// <summary>The top-level <c>video/mp4</c> Links of url[] (PeerTube's web videos), each with its torrent and magnet by height.</summary>
    private static List<RemoteWebVideo> ReadWebVideos(JsonElement obj, string originHost)
    {
        var links = obj.Items("url").ToList();
        var files = new List<RemoteWebVideo>();
        foreach (var link in links.Where(l => l.String("mediaType") == "video/mp4" && l.String("href") is { } h
                                              && ActivityJson.HostOf(h) == originHost && h.StartsWith("http", StringComparison.Ordinal)))
        {
            var height = link.Int("height") ?? 0;
            if (files.Any(f => f.Height == height))
            {
                continue;
            }

            var (torrent, magnet) = TorrentOf(links, height, originHost);
            files.Add(new RemoteWebVideo(height, link.Int("width"), link.Double("fps") ?? 0, link.Long("size") ?? 0, link.String("href")!, torrent, magnet));
        }

        return files;
    }

    /// <summary>The torrent (on the origin's host) and the magnet Links of one file, found by its height.</summary>
    private static (string? Torrent, string? Magnet) TorrentOf(IReadOnlyList<JsonElement> links, int height, string originHost)
    {
        var torrent = links.FirstOrDefault(t => t.String("mediaType") == "application/x-bittorrent" && t.Int("height") == height).String("href");
        var magnet = links.FirstOrDefault(t => t.String("mediaType") == "application/x-bittorrent;x-scheme-handler/magnet" && t.Int("height") == height).String("href");
        return (torrent is not null && ActivityJson.HostOf(torrent) == originHost ? torrent : null,
            magnet?.StartsWith("magnet:", StringComparison.Ordinal) == true ? magnet : null);
    }

    private static string UrlTag(string url) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(url)))[..12];

    private static string FileName(string url) => Uri.UnescapeDataString(new Uri(url).Segments[^1]);

    private static string? MagnetInfoHash(string? magnet)
    {
        const string prefix = "xt=urn:btih:";
        var at = magnet?.IndexOf(prefix, StringComparison.OrdinalIgnoreCase) ?? -1;
        if (at < 0)
        {
            return null;
        }

        var hash = new string(magnet![(at + prefix.Length)..].TakeWhile(char.IsAsciiHexDigit).ToArray()).ToLowerInvariant();
        return hash.Length == 40 ? hash : null;
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max];

    public async Task<bool> DeleteAsync(string url, string originHost, CancellationToken ct)
    {
        if (ActivityJson.HostOf(url) != originHost)
        {
            return false;
        }

        // Through the removal, so that what features keep of it (cached images, our copy) goes too.
        var video = await db.Videos.WithDetails().FirstOrDefaultAsync(v => v.RemoteUrl == url, ct);
        if (video is null)
        {
            return false;
        }

        await removal.RemoveAsync(video, ct);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused the remote video {Url}: {Reason}")]
    private partial void LogRefused(string? url, string reason);

    internal static string Invariant(int i) => i.ToString(CultureInfo.InvariantCulture);
}
