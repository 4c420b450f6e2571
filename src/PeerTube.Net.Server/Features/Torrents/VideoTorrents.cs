using System.Globalization;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Torrents;

namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>
/// One .torrent per HLS rendition file (PeerTube's &lt;id&gt;-&lt;res&gt;-hls.torrent), announcing our WebSocket and HTTP
/// trackers, with the file's public URL as a BEP 19 web seed unless the video is private.
/// </summary>
public sealed class VideoTorrents(StoragePaths paths, VideoUrls urls, IOptions<InstanceOptions> instance, TorrentsCache cache)
{
    public const string CreatedBy = "PeerTube.Net";

    public string HttpTrackerUrl => instance.Value.Absolute("/tracker/announce");

    public string WebSocketTrackerUrl
    {
        get
        {
            var baseUri = instance.Value.BaseUri;
            var scheme = baseUri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
            return $"{scheme}://{instance.Value.Host}/tracker/socket";
        }
    }

    /// <summary>PeerTube's announce list: the WebSocket tracker first, then the HTTP one, each its own tier.</summary>
    public IReadOnlyList<IReadOnlyList<string>> AnnounceList => [[WebSocketTrackerUrl], [HttpTrackerUrl]];

    /// <summary>
    /// Our file, then the same file on each other instance that keeps a copy of the video (<paramref name="mirrors"/>:
    /// the copies' base URLs, from <see cref="IWebSeedMirrors"/>).
    /// </summary>
    public IReadOnlyList<string> WebSeeds(Video video, VideoFile file, IReadOnlyList<string>? mirrors = null) =>
        VideoUrls.IsPrivateLike(video)
            ? []
            : [urls.Hls(video, file.Filename), .. (mirrors ?? []).Select(baseUrl => $"{baseUrl}/{Uri.EscapeDataString(file.Filename)}")];

    public static string TorrentName(Video video, VideoFile file) =>
        $"{video.Name} {(file.Resolution == 0 ? "audio" : file.Resolution.ToString(CultureInfo.InvariantCulture) + "p")}-fragmented.mp4";

    /// <summary>Writes a new .torrent for the rendition and returns its file name and info-hash.</summary>
    public async Task<(string Filename, string InfoHash)> CreateAsync(Video video, VideoFile file, string mediaPath, CancellationToken ct,
        IReadOnlyList<string>? mirrors = null)
    {
        var metainfo = await TorrentBuilder.CreateAsync(mediaPath,
            new TorrentOptions(TorrentName(video, file), AnnounceList, WebSeeds(video, file, mirrors), CreatedBy, Salt: video.TorrentSalt), ct);
        var filename = $"{Guid.NewGuid()}-{file.Resolution.ToString(CultureInfo.InvariantCulture)}-hls.torrent";
        var path = Path.Combine(paths.Torrents, filename);
        await File.WriteAllBytesAsync(path + ".tmp", metainfo.Bytes, ct);
        File.Move(path + ".tmp", path, overwrite: true);
        return (filename, metainfo.InfoHashHex);
    }

    /// <summary>
    /// True when the rendition's torrent exists and still says what it should: web seeds follow privacy, and the salt
    /// the last privacy change gave.
    /// </summary>
    public bool IsCurrent(Video video, VideoFile file, IReadOnlyList<string>? mirrors = null)
    {
        if (file.TorrentFilename is null || file.InfoHash is null)
        {
            return false;
        }

        var path = Path.Combine(paths.Torrents, file.TorrentFilename);
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            var metainfo = TorrentParser.Parse(File.ReadAllBytes(path));
            return metainfo.InfoHashHex == file.InfoHash && metainfo.Salt == video.TorrentSalt && metainfo.WebSeeds.SequenceEqual(WebSeeds(video, file, mirrors))
                   && metainfo.AnnounceList.SelectMany(t => t).SequenceEqual(AnnounceList.SelectMany(t => t));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>PeerTube's magnet link for the rendition, built from its .torrent (cached: torrent files never change).</summary>
    public string? MagnetUri(Video video, VideoFile file)
    {
        if (file.TorrentFilename is not { } name)
        {
            return null;
        }

        return cache.GetOrCreate("magnet:" + name, entry =>
        {
            entry.Size = 1;
            var path = Path.Combine(paths.Torrents, name);
            if (!File.Exists(path))
            {
                entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(10);
                return null;
            }

            return Media.Torrents.MagnetUri.Build(TorrentParser.Parse(File.ReadAllBytes(path)), urls.Torrent(name));
        });
    }
}

/// <summary>Other places that serve a video's files, as web seeds of its torrents (another feature's copies of it).</summary>
public interface IWebSeedMirrors
{
    /// <summary>Base URLs under which the video's HLS files are found by name.</summary>
    Task<IReadOnlyList<string>> BaseUrlsAsync(int videoId, CancellationToken ct);
}

/// <summary>A bounded cache for what is read from .torrent files.</summary>
public sealed class TorrentsCache() : MemoryCache(new MemoryCacheOptions { SizeLimit = 20_000 });
