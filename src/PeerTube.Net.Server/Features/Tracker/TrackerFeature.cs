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
