using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>One rendition's swarm: its media playlist file name (as the master playlist lists it) is what a player maps a level by.</summary>
public sealed record SwarmRendition(string Playlist, int Height, string SwarmId);

/// <summary>
/// PeerTube's p2pMediaLoaderInfohashes, the one place they are computed: for the i-th rendition of the master playlist,
/// sha1("2" + masterPlaylistUrl + "+V" + i) in lowercase hex, as VideoStreamingPlaylistModel.buildP2PMediaLoaderInfoHashes
/// (P2P_MEDIA_LOADER_PEER_VERSION = 2, the scheme of p2p-media-loader 0.x). PeerTube lists one per file of the playlist.
/// </summary>
/// <remarks>
/// PeerTube's development branch (p2p-media-loader 2) moved to ids built from "pt-v2-{uuid}-main-default-{resolution}";
/// we follow the released scheme, which docs/p2p-contract.md names. The master URL is the absolute one
/// (Instance:PublicUrl, /private/ for private and internal videos), so a privacy change gives new swarms.
/// </remarks>
public static class SwarmIds
{
    public const int PeerVersion = 2;

    /// <summary>
    /// A local live's first (highest) media playlist (Features/Live writes them). A live has no files, so its swarms are
    /// counted by renditions, as PeerTube builds a live's info-hashes from its resolutions: one per media playlist
    /// <c>N.m3u8</c>, in the master's order (<see cref="VideoStreamingPlaylist.LiveResolutions"/>); a live that did not
    /// record them has one.
    /// </summary>
    public const string LivePlaylistFilename = "0.m3u8";

    /// <summary>The media playlist of a live's rendition at that index of the master playlist (PeerTube's <c>%v.m3u8</c>).</summary>
    public static string LivePlaylist(int index) => index.ToString(CultureInfo.InvariantCulture) + ".m3u8";

    /// <summary>The number of renditions, hence swarms: the files, or the renditions of a live (which has none).</summary>
    public static int RenditionCount(bool isLive, int files, int liveRenditions = 0) => isLive && files == 0 ? Math.Max(1, liveRenditions) : files;

    public static IReadOnlyList<string> InfoHashes(string masterPlaylistUrl, int count) =>
        Enumerable.Range(0, count)
            .Select(i => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(
                PeerVersion.ToString(CultureInfo.InvariantCulture) + masterPlaylistUrl + "+V" + i.ToString(CultureInfo.InvariantCulture)))))
            .ToList();

    /// <summary>The video's info-hashes, as the API lists them; empty when it has no HLS playlist.</summary>
    public static IReadOnlyList<string> InfoHashes(Video video, VideoUrls urls) =>
        video.StreamingPlaylist is { } playlist
            ? InfoHashes(urls.Hls(video, playlist.PlaylistFilename), RenditionCount(video.IsLive, playlist.Files.Count, playlist.LiveResolutions?.Count ?? 0))
            : [];

    /// <summary>The renditions of the master playlist, each with its swarm.</summary>
    public static IReadOnlyList<SwarmRendition> Renditions(Video video, VideoUrls urls)
    {
        if (video.StreamingPlaylist is not { } playlist)
        {
            return [];
        }

        var hashes = InfoHashes(video, urls);
        if (video.IsLive && playlist.Files.Count == 0)
        {
            // The player finds the swarm by the playlist's name; the height is 0 when the live did not record it.
            return hashes.Select((hash, i) => new SwarmRendition(LivePlaylist(i), playlist.LiveResolutions?.ElementAtOrDefault(i) ?? 0, hash)).ToList();
        }

        return MasterOrder(playlist.Files).Select((f, i) => new SwarmRendition(f.PlaylistFilename, f.Resolution, hashes[i])).ToList();
    }

    /// <summary>
    /// The renditions in the order the master playlist lists them, as VideoTranscoder writes it: highest resolution
    /// first, and the audio-only rendition left out when there is video.
    /// </summary>
    public static IReadOnlyList<VideoFile> MasterOrder(IEnumerable<VideoFile> files)
    {
        var all = files.OrderByDescending(f => f.Resolution).ToList();
        return all.Any(f => f.HasVideo) ? all.Where(f => f.HasVideo).ToList() : all;
    }

    /// <summary>A swarm id as clients send it: 40 hex characters, returned lowercase; null when it cannot be one.</summary>
    public static string? Normalize(string? swarmId) =>
        swarmId is { Length: 40 } && swarmId.All(char.IsAsciiHexDigit) ? swarmId.ToLowerInvariant() : null;
}
