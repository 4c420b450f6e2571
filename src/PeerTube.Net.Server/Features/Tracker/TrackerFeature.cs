using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// PeerTube's built-in tracker: HTTP for BitTorrent clients (/tracker/announce, /tracker/scrape), WebSocket for
/// WebRTC peers (/tracker/socket), private by default (only our own torrents), with swarms kept in memory per node.
/// </summary>
public static class TrackerFeature
{
    public static WebApplicationBuilder AddTracker(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TrackerOptions>().BindConfiguration(TrackerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SwarmStore>();
        services.AddSingleton<ITrackerPeerRegistry>(sp => sp.GetRequiredService<SwarmStore>());
        services.AddSingleton<ISwarmRegistry>(sp => sp.GetRequiredService<SwarmStore>());
        services.AddSingleton<TrackerGate>();
        services.AddSingleton<WebSocketTracker>();
        services.AddHostedService<TrackerSweeper>();
        services.AddTransient<IStartupFilter, WebSocketsStartupFilter>();
        return builder;
    }

    /// <summary>Maps nothing when Tracker:Enabled is false, so every tracker path is a 404.</summary>
    public static IEndpointRouteBuilder MapTracker(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IOptions<TrackerOptions>>().Value.Enabled)
        {
            return app;
        }

        app.MapGet("/tracker/announce", HttpTracker.AnnounceAsync);
        app.MapGet("/tracker/scrape", HttpTracker.Scrape);
        app.Map("/tracker/socket", (HttpContext http, WebSocketTracker tracker) => tracker.HandleAsync(http));
        app.MapGet("/api/v1/admin/tracker/stats", GetStats).RequireAuthorization();
        return app;
    }

    /// <summary>What the tracker holds right now, and the busiest torrents (<paramref name="count"/> of them, 10 by default).</summary>
    private static Results<Ok<TrackerStatsDto>, ApiProblem> GetStats(ClaimsPrincipal principal, SwarmStore store, TrackerGate gate,
        WebSocketTracker sockets, int? count)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators can see the tracker statistics.");
        }

        var stats = store.Stats(Math.Clamp(count ?? 10, 1, 100));
        return TypedResults.Ok(new TrackerStatsDto(
            stats.Torrents,
            new TrackerPeersDto(stats.Seeders + stats.Leechers, stats.Seeders, stats.Leechers, stats.Http, stats.WebSocket, stats.Local, stats.Hub),
            stats.Announces,
            stats.Scrapes,
            sockets.OpenSockets,
            gate.BlockedCount,
            stats.Top.Select(t => new TrackerTorrentDto(t.InfoHash, t.Peers, t.Seeders, t.Leechers)).ToList()));
    }

    /// <summary>
    /// WebSocket upgrades need the WebSockets middleware ahead of the endpoints; Program stays a table of contents, so
    /// the tracker adds it itself (harmless to other features: it only acts on upgrade requests).
    /// </summary>
    private sealed class WebSocketsStartupFilter(IOptions<TrackerOptions> options) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            if (options.Value.Enabled)
            {
                app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
            }

            next(app);
        };
    }
}

public sealed record TrackerStatsDto(
    int Torrents,
    TrackerPeersDto Peers,
    long Announces,
    long Scrapes,
    int OpenSockets,
    int BlockedIps,
    IReadOnlyList<TrackerTorrentDto> TopTorrents);

/// <param name="Hub">Viewers in a swarm through the swarm hub (/hubs/swarm) rather than the WebSocket tracker.</param>
public sealed record TrackerPeersDto(int Total, int Seeders, int Leechers, int Http, int WebSocket, int Local, int Hub);

public sealed record TrackerTorrentDto(string InfoHash, int Peers, int Seeders, int Leechers);

/// <summary>Forgets silent peers, empty swarms, lapsed IP blocks and request windows, so memory follows live traffic.</summary>
internal sealed class TrackerSweeper(SwarmStore store, TrackerGate gate, IOptions<TrackerOptions> options, TimeProvider clock) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            store.Sweep();
            gate.Sweep();
        }
    }
}
