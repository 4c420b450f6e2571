using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>The tracker's routes: HTTP announce and scrape, the WebSocket tracker, and the administrators' statistics.</summary>
public static class TrackerEndpoints
{
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
        app.MapGroup("/api/v1/admin").WithTags("Tracker").RequireAuthorization().MapGet("/tracker/stats", GetStats);
        return app;
    }

    /// <summary>What the tracker holds right now, and the busiest torrents (<paramref name="count"/> of them, 10 by default).</summary>
    private static Results<Ok<TrackerStatsDto>, ForbiddenProblem> GetStats(ClaimsPrincipal principal, SwarmStore store, TrackerGate gate,
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
}
