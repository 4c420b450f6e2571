using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// Somebody else's web site, on another loopback port (so another origin), that embeds one of our videos and drives it
/// with PeerTube's own embed API library (@peertube/embed-api, from the player's node_modules).
/// </summary>
public sealed class ThirdPartySite : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ThirdPartySite(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static string EmbedApiScript { get; } = Path.Combine(Artefacts.RepositoryRoot(), "src", "player", "node_modules", "@peertube",
        "embed-api", "build", "player.min.js");

    public static async Task<ThirdPartySite> StartAsync(string embedUrl)
    {
        Assert.True(File.Exists(EmbedApiScript),
            $"PeerTube's embed API library is missing: {EmbedApiScript}. It is a devDependency of src/player (@peertube/embed-api); " +
            "building the server runs npm ci there.");
        var port = PeerTube.Net.Server.Tests.Infrastructure.ServerProcess.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(baseUrl);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(Page(embedUrl), "text/html; charset=utf-8"));
        app.MapGet("/embed-api.js", () => Results.File(EmbedApiScript, "text/javascript"));
        app.MapGet("/favicon.ico", () => Results.NoContent());
        await app.StartAsync();
        return new ThirdPartySite(app, baseUrl);
    }

    /// <summary>
    /// The page keeps what the player tells it in window.story, and the player in window.player, so the test can drive it
    /// step by step as the site's own script would.
    /// </summary>
    private static string Page(string embedUrl) => $$"""
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>A blog that embeds a PeerTube video</title></head>
        <body>
          <h1>My favourite test pattern</h1>
          <iframe id="embed" width="640" height="360" src="{{WebUtility.HtmlEncode(embedUrl)}}"
                  allow="autoplay; fullscreen" allowfullscreen frameborder="0"></iframe>
          <script src="/embed-api.js"></script>
          <script>
            window.story = { ready: false, readyError: null, updates: [], changes: [], resolutionUpdates: [], volumeChanges: [] };
            // The UMD bundle of @peertube/embed-api 0.2.0 ends with window.PeerTubePlayer = the class itself.
            const PlayerClass = window.PeerTubePlayer.PeerTubePlayer ?? window.PeerTubePlayer;
            const player = new PlayerClass(document.getElementById('embed'));
            window.player = player;
            player.addEventListener('playbackStatusUpdate', s => story.updates.push({ at: performance.now(), ...s }));
            player.addEventListener('playbackStatusChange', s => story.changes.push(s));
            player.addEventListener('resolutionUpdate', r => story.resolutionUpdates.push(r ?? null));
            player.addEventListener('volumeChange', v => story.volumeChanges.push(v ?? null));
            player.ready.then(() => { story.ready = true; }, e => { story.readyError = String(e); });
          </script>
        </body>
        </html>
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
