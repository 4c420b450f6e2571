using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Tracker;
using PeerTube.Net.Server.Infrastructure.Redis;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>
/// Peer-to-peer segments between viewers: the swarm hub (signalling only), the swarm ids shared with the tracker and
/// the API, and what players report of it. The hub's members live in the tracker's swarm registry (through
/// <see cref="Tracker.ISwarmRegistry"/>), so that on a single node the tracker's statistics count them.
/// </summary>
/// <remarks>
/// Single node by default. With Redis:Configuration set (several nodes), SignalR's Redis backplane carries <c>signal</c>
/// to a connection on another node (Infrastructure/Redis) and <see cref="RedisSwarmRegistry"/> replaces the in-process
/// registry, so that Join sees every node's peers; the tracker's own peers and <see cref="PeerStats"/> stay per node.
/// </remarks>
public static class PeersFeature
{
    public const string HubPath = "/hubs/swarm";

    public static WebApplicationBuilder AddPeers(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<P2POptions>().BindConfiguration(P2POptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SwarmDirectory>();
        services.AddVideoDetailsPart<SwarmDetailsPart>();
        services.AddSingleton<PeerStats>();
        services.AddSingleton<SwarmRateLimit>();
        if (builder.Configuration.IsRedisEnabled())
        {
            // Only the hub's door moves to Redis: the tracker keeps SwarmStore for its own peers.
            services.AddSingleton<RedisSwarmRegistry>();
            services.Replace(ServiceDescriptor.Singleton<ISwarmRegistry>(sp => sp.GetRequiredService<RedisSwarmRegistry>()));
            services.AddHostedService<RedisSwarmHeartbeat>();
        }

        services.AddSignalR().AddHubOptions<SwarmHub>(_ => { });
        services.AddOptions<HubOptions<SwarmHub>>().Configure<IOptions<P2POptions>>((hub, p2p) =>
        {
            // Beyond this SignalR refuses the message and closes the connection; Signal checks the payload itself below it.
            hub.MaximumReceiveMessageSize = p2p.Value.MaxMessageBytes;
            hub.AddFilter<SwarmRateLimit>();
        });
        return builder;
    }

    /// <summary>The hub is not mapped when P2P:Enabled is false; the statistics stay readable.</summary>
    public static IEndpointRouteBuilder MapPeers(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<P2POptions>>().Value.Enabled)
        {
            app.MapHub<SwarmHub>(HubPath);
        }

        app.MapGet("/api/v1/admin/p2p/stats", GetStatsAsync).RequireAuthorization();
        return app;
    }

    /// <summary>
    /// Bytes players fetched over HTTP and from peers, in total and for the <paramref name="count"/> busiest videos (50 by
    /// default), with the media bytes this node itself sent over HTTP (<see cref="SegmentTraffic"/>) to check the players' word against.
    /// </summary>
    private static async Task<Results<Ok<P2PStatsDto>, ApiProblem>> GetStatsAsync(ClaimsPrincipal principal, PeerStats stats,
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

public sealed record P2PStatsDto(P2PTotalsDto Total, IReadOnlyList<P2PVideoStatsDto> Videos);

/// <param name="Ratio">p2pBytes / (httpBytes + p2pBytes): the share of downloads that peers served.</param>
/// <param name="ServedHttpBytes">Media bytes this node sent over HTTP, counted by the server (players' figures are their own).</param>
public sealed record P2PTotalsDto(long HttpBytes, long P2pBytes, long UploadedBytes, double Ratio, long ServedHttpBytes);

public sealed record P2PVideoStatsDto(Guid Uuid, string? Name, long HttpBytes, long P2pBytes, long UploadedBytes, double Ratio, int Reporters,
    long ServedHttpBytes);
