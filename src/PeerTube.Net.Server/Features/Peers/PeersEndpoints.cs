using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Streaming;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>The swarm hub (signalling, <see cref="PeersFeature.HubPath"/>) and the administrators' peer-to-peer statistics.</summary>
public static class PeersEndpoints
{
    /// <summary>The hub is not mapped when P2P:Enabled is false; the statistics stay readable.</summary>
    public static IEndpointRouteBuilder MapPeers(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<P2POptions>>().Value.Enabled)
        {
            app.MapHub<SwarmHub>(PeersFeature.HubPath);
        }

        app.MapGroup("/api/v1/admin").WithTags("Peers").RequireAuthorization().MapGet("/p2p/stats", GetStatsAsync);
        return app;
    }

    /// <summary>
    /// Bytes players fetched over HTTP and from peers, in total and for the <paramref name="count"/> busiest videos (50 by
    /// default), with the media bytes this node itself sent over HTTP (<see cref="SegmentTraffic"/>) to check the players' word against.
    /// </summary>
    private static async Task<Results<Ok<P2PStatsDto>, ForbiddenProblem>> GetStatsAsync(ClaimsPrincipal principal, PeerStats stats,
        SegmentTraffic traffic, AppDbContext db, int? count, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators can see the peer-to-peer statistics.");
        }

        return TypedResults.Ok(await StatsAsync(stats, traffic, db, count ?? 50, ct));
    }

    /// <summary>The figures of GET /api/v1/admin/p2p/stats (and of the admin page): totals and the <paramref name="count"/> busiest videos.</summary>
    public static async Task<P2PStatsDto> StatsAsync(PeerStats stats, SegmentTraffic traffic, AppDbContext db, int count, CancellationToken ct)
    {
        var reported = stats.Snapshot().ToDictionary(v => v.Uuid);
        var served = traffic.Snapshot();
        var all = reported.Keys.Union(served.Keys).Select(uuid => reported.GetValueOrDefault(uuid) is { } r
            ? (Stats: r, Served: served.GetValueOrDefault(uuid))
            : (Stats: new VideoPeerStats(uuid, 0, 0, 0, 0), Served: served.GetValueOrDefault(uuid))).ToList();
        var top = all.OrderByDescending(v => v.Stats.HttpBytes + v.Stats.P2pBytes).ThenByDescending(v => v.Served).ThenBy(v => v.Stats.Uuid)
            .Take(Math.Clamp(count, 1, 500)).ToList();
        var uuids = top.Select(v => v.Stats.Uuid).ToList();
        var names = await db.Videos.AsNoTracking().Where(v => uuids.Contains(v.Uuid)).Select(v => new { v.Uuid, v.Name })
            .ToDictionaryAsync(v => v.Uuid, v => v.Name, ct);
        var http = all.Sum(v => v.Stats.HttpBytes);
        var p2p = all.Sum(v => v.Stats.P2pBytes);
        return new P2PStatsDto(
            new P2PTotalsDto(http, p2p, all.Sum(v => v.Stats.UploadedBytes), Ratio(http, p2p), all.Sum(v => v.Served)),
            top.Select(v => new P2PVideoStatsDto(v.Stats.Uuid, names.GetValueOrDefault(v.Stats.Uuid), v.Stats.HttpBytes, v.Stats.P2pBytes,
                v.Stats.UploadedBytes, Ratio(v.Stats.HttpBytes, v.Stats.P2pBytes), v.Stats.Reporters, v.Served)).ToList());
    }

    /// <summary>The share of downloaded bytes that came from peers, 0 to 1.</summary>
    private static double Ratio(long http, long p2p) => http + p2p == 0 ? 0 : Math.Round((double)p2p / (http + p2p), 4);
}
