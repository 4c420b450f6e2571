using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PeerTube.Net.Server.Features.Peers;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The player's options from PeerTube's embed query string (?start=1m30s&amp;autoplay=1&amp;…), with PeerTube's defaults.</summary>
public sealed partial record PlayerOptions(
    int? Start = null, int? Stop = null, bool Autoplay = false, bool Muted = false, bool Loop = false, bool Title = true,
    bool WarningTitle = true, bool Controls = true, bool P2p = true, bool PeertubeLink = true, bool Api = false)
{
    public static PlayerOptions FromQuery(IQueryCollection query) => new(
        Time(query["start"]), Time(query["stop"]),
        Toggle(query["autoplay"], false), Toggle(query["muted"], false), Toggle(query["loop"], false), Toggle(query["title"], true),
        Toggle(query["warningTitle"], true), Toggle(query["controls"], true), Toggle(query["p2p"], true), Toggle(query["peertubeLink"], true),
        Toggle(query["api"], false));

    private static bool Toggle(string? value, bool fallback) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => fallback,
    };

    /// <summary>PeerTube's timeToInt: "90", "1m30s", "1h2m3s" (and "1:30", which PeerTube reads as hours and seconds).</summary>
    public static int? Time(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 32)
        {
            return null;
        }

        var match = TimePattern().Match(value);
        if (!match.Success)
        {
            return null;
        }

        long Part(int group) => match.Groups[group].Success
            ? long.Parse(match.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;

        var seconds = Part(2) * 3600 + Part(4) * 60 + Part(6);
        return seconds <= int.MaxValue ? (int)seconds : null;
    }

    [GeneratedRegex(@"^((\d{1,9})[h:])?((\d{1,9})[m:])?((\d{1,9})s?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();
}

/// <summary>What the player mount's data-config holds (docs/web-contract.md, "Player mount").</summary>
public sealed record PlayerConfig(
    string Uuid, string ShortUuid, string Name, int Duration, string? HlsUrl, string? SegmentsSha256Url, IReadOnlyList<string> Mirrors, string? PosterUrl,
    string? VideoFileToken, string WatchUrl, string ViewsUrl, bool Embed, int State, IReadOnlyList<PlayerResolution> Resolutions,
    PlayerOptions Options, PlayerP2P P2p, string? WebVideoUrl = null, IReadOnlyList<PlayerWebVideo>? WebVideos = null, int? LatencyMode = null,
    bool PasswordRequired = false)
{
    /// <summary>
    /// A password-protected video shown to someone who has not given its password: the player asks for it and trades it
    /// for a file token (POST /api/v1/videos/{id}/token with x-peertube-video-password). Nothing of the video is shown meanwhile.
    /// </summary>
    public PlayerConfig Locked() => this with
    {
        Name = "", PosterUrl = null, VideoFileToken = null, PasswordRequired = true, Mirrors = [],
        P2p = P2p with { Enabled = false },
    };

    /// <param name="videoFileToken">For a private or internal video: minted for the viewer who may watch it.</param>
    /// <param name="p2p">The instance's P2P settings; null leaves peers off.</param>
    /// <param name="latencyMode">A live's PeerTube latency mode (the player's distance to the live edge, player/live.ts).</param>
    public static PlayerConfig For(Video video, InstanceOptions instance, VideoUrls urls, string? videoFileToken, bool embed, PlayerOptions options,
        P2POptions? p2p = null, IReadOnlyList<string>? copies = null, int? latencyMode = null)
    {
        var playlist = video.StreamingPlaylist;
        var shortUuid = Videos.ShortUuid.FromGuid(video.Uuid);
        // A remote video with web videos only plays one MP4 file from its origin, in the browser's own player.
        var webVideo = playlist is null ? RemoteWebVideo.Preferred(video.RemoteWebVideos()) : null;
        return new PlayerConfig(
            video.Uuid.ToString(), shortUuid, video.Name, video.Duration,
            playlist is null ? null : MediaUrl(video, urls.Hls(video, playlist.PlaylistFilename)),
            playlist is null ? null : video.IsLocal ? PathOf(urls.Hls(video, playlist.SegmentsSha256Filename)) : video.RemoteSegmentsSha256Url,
            // Copies of the video on other instances (and ours of a remote one), public videos only: extra HTTP sources.
            playlist is null || VideoUrls.IsPrivateLike(video)
                ? []
                : copies ?? [],
            video.PreviewFilename is null ? null : $"/lazy-static/previews/{video.PreviewFilename}",
            videoFileToken,
            instance.Absolute($"/w/{shortUuid}"),
            $"/api/v1/videos/{video.Uuid}/views",
            embed,
            (int)video.State,
            // A live has no files: its renditions while it streams (the quality menu itself follows the master playlist).
            playlist is { Files.Count: 0, LiveResolutions: { } live }
                ? live.Where(r => r > 0).OrderDescending().Select(r => new PlayerResolution(r, $"{r}p")).ToList()
                : playlist?.Files.OrderByDescending(f => f.Resolution)
                .Select(f => new PlayerResolution(f.Resolution, f.Resolution == 0 ? "Audio only" : $"{f.Resolution}p")).ToList()
                ?? video.RemoteWebVideos().Select(f => new PlayerResolution(f.Height, f.Height == 0 ? "Audio only" : $"{f.Height}p")).ToList(),
            options,
            PlayerP2P.For(video, urls, p2p, options),
            webVideo?.Url,
            webVideo is null ? [] : video.RemoteWebVideos().Select(f => new PlayerWebVideo(f.Height, f.Url)).ToList(),
            video.IsLive ? latencyMode : null);
    }

    /// <summary>The player fetches from the page's own origin, whatever name the browser reached us by.</summary>
    public static string PathOf(string absoluteUrl) =>
        Uri.TryCreate(absoluteUrl, UriKind.Absolute, out var uri) ? uri.PathAndQuery : absoluteUrl;

    /// <summary>
    /// Ours from the page's origin; a remote video's from its origin, as PeerTube plays them: the playlists, segments
    /// and segments-sha256.json stay at the instance that made them (which serves them with CORS).
    /// </summary>
    public static string MediaUrl(Video video, string absoluteUrl) => video.IsLocal ? PathOf(absoluteUrl) : absoluteUrl;

    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);
}

public sealed record PlayerResolution(int Height, string Label);

/// <summary>One MP4 file of a remote video with web videos only: the player switches between them for its quality menu.</summary>
public sealed record PlayerWebVideo(int Height, string Url);

/// <summary>The data-config's p2p block (docs/p2p-contract.md): where to signal, how to traverse NATs, and each rendition's swarm.</summary>
/// <param name="Swarms">
/// One per rendition of the master playlist; <see cref="PlayerSwarm.Playlist"/> is the media playlist's file name as the
/// master lists it, which is how the player maps an hls.js level (its url ends with that name) to its swarm.
/// </param>
/// <param name="MaxPeers">P2P:MaxPeers, the connections one player keeps open at once.</param>
public sealed record PlayerP2P(bool Enabled, string HubUrl, IReadOnlyList<PlayerIceServer> IceServers, IReadOnlyList<PlayerSwarm> Swarms, int MaxPeers)
{
    public static PlayerP2P For(Video video, VideoUrls urls, P2POptions? p2p, PlayerOptions options)
    {
        var swarms = SwarmIds.Renditions(video, urls).Select(r => new PlayerSwarm(r.Playlist, r.Height, r.SwarmId)).ToList();
        return new PlayerP2P(
            p2p is { Enabled: true } && options.P2p && video.State == VideoState.Published && swarms.Count > 0,
            PeersFeature.HubPath,
            p2p?.IceServers.Select(s => new PlayerIceServer(s.Urls, s.Username, s.Credential)).ToList() ?? [],
            swarms,
            p2p?.MaxPeers ?? P2POptions.DefaultMaxPeers);
    }
}

public sealed record PlayerIceServer(
    IReadOnlyList<string> Urls,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Username,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Credential);

public sealed record PlayerSwarm(string Playlist, int Height, string SwarmId);
