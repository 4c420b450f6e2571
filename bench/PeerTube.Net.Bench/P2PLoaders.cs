using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace PeerTube.Net.Bench;

/// <summary>The player whose loader a swarm is measured with (--loader).</summary>
internal enum P2PLoaderKind
{
    /// <summary>Our embed (/videos/embed/{uuid}) and its loader (src/player/src/p2p).</summary>
    Ours,

    /// <summary>The baseline: hls.js + p2p-media-loader (PeerTube's loader) on the page of bench/p2pml-page.</summary>
    P2pml,
}

/// <summary>What a swarm's viewers open: one published video of our server.</summary>
internal sealed record SwarmVideo(string Uuid, string PlaylistUrl, string? SegmentsSha256Url,
    IReadOnlyDictionary<string, (int Segments, long Bytes)> Renditions);

/// <summary>How the bench drives one player: which page, where its video element is, how to press play, how to read its counters.</summary>
/// <param name="StatsScript">JavaScript returning { httpBytes, p2pBytes, uploadedBytes, peers, rejected, level } or null.</param>
/// <param name="ReadyScript">JavaScript that is true once the player can be played (--start click).</param>
internal sealed record P2PLoader(P2PLoaderKind Kind, string Name, string VideoSelector, string ReadyScript, string StatsScript,
    Func<IPage, Task> PressPlayAsync, Func<SwarmVideo, bool, string> PageUrl)
{
    public static P2PLoader Ours(string serverBaseUrl) => new(
        P2PLoaderKind.Ours, "PeerTube.Net", "#pt-player video",
        "() => document.querySelector('#pt-player')?.dataset.ptReady === 'true'",
        "() => window.peertubePlayer ? { ...window.peertubePlayer.p2pStats(), level: document.querySelector('#pt-player')?.dataset.ptLevel ?? '?' } : null",
        page => page.ClickAsync("#pt-player button[data-pt=play]"),
        (video, click) => $"{serverBaseUrl}{EmbedPath(video.Uuid, click)}");

    /// <summary>The page of bench/p2pml-page served at <paramref name="pageBaseUrl"/>; its tracker is our server's WebSocket tracker.</summary>
    /// <param name="core">JSON merged into the core config (--p2pml-core), or null for the library's defaults.</param>
    public static P2PLoader P2pml(string serverBaseUrl, string pageBaseUrl, string version, string? core)
    {
        var tracker = "ws" + serverBaseUrl["http".Length..] + "/tracker/socket";
        return new P2PLoader(
            P2PLoaderKind.P2pml, $"p2p-media-loader {version}", "video",
            "() => !!window.p2pmlStats",
            "() => window.p2pmlStats ? window.p2pmlStats() : null",
            page => page.EvaluateAsync("() => document.querySelector('video').play()"),
            (video, click) => $"{pageBaseUrl}/index.html?src={Uri.EscapeDataString(video.PlaylistUrl)}&tracker={Uri.EscapeDataString(tracker)}" +
                              $"&swarm=bench-{video.Uuid}&autoplay={(click ? "0" : "1")}" +
                              (video.SegmentsSha256Url is { } sha ? $"&sha256={Uri.EscapeDataString(sha)}" : "") +
                              (core is null ? "" : $"&core={Uri.EscapeDataString(core)}"));
    }

    public static string EmbedPath(string uuid, bool click) =>
        click ? $"/videos/embed/{uuid}?muted=1" : $"/videos/embed/{uuid}?autoplay=1&muted=1";
}

/// <summary>
/// bench/p2pml-page over HTTP on a loopback port: index.html, page.js and the packages' ESM bundles from its node_modules.
/// Another origin than our server's, as an embed of p2p-media-loader on another site would be: playlists and segments
/// cross origins (our server allows any).
/// </summary>
internal sealed class BaselinePageServer : IAsyncDisposable
{
    private const string Folder = "bench/p2pml-page";
    private readonly WebApplication _app;

    private BaselinePageServer(WebApplication app, string baseUrl, string version)
    {
        _app = app;
        BaseUrl = baseUrl;
        Version = version;
    }

    public string BaseUrl { get; }

    /// <summary>p2p-media-loader-hlsjs's version, from its installed package.json.</summary>
    public string Version { get; }

    public static async Task<BaselinePageServer> StartAsync(string repo, CancellationToken ct)
    {
        var root = Path.Combine(repo, Folder);
        await EnsureInstalledAsync(root, ct);
        var version = PackageVersion(root, "p2p-media-loader-hlsjs");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript";
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root), ContentTypeProvider = types });
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BaselinePageServer(app, address.TrimEnd('/'), version);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>
    /// npm ci when node_modules is missing. --ignore-scripts: the trackers' Node-only WebRTC addon (node-datachannel, a
    /// dependency of bittorrent-tracker) would be compiled, and the browser bundles do not use it.
    /// </summary>
    private static async Task EnsureInstalledAsync(string root, CancellationToken ct)
    {
        if (Directory.Exists(Path.Combine(root, "node_modules", "p2p-media-loader-hlsjs")))
        {
            return;
        }

        Bench.Progress($"{Folder}/node_modules is missing: running npm ci --ignore-scripts there");
        await Bench.RunToolAsync("npm", root, ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], ct);
    }

    private static string PackageVersion(string root, string package)
    {
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "node_modules", package, "package.json")));
        return json.RootElement.GetProperty("version").GetString() ?? "?";
    }
}
