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
}

public sealed record P2PStatsDto(P2PTotalsDto Total, IReadOnlyList<P2PVideoStatsDto> Videos);

/// <param name="Ratio">p2pBytes / (httpBytes + p2pBytes): the share of downloads that peers served.</param>
/// <param name="ServedHttpBytes">Media bytes this node sent over HTTP, counted by the server (players' figures are their own).</param>
public sealed record P2PTotalsDto(long HttpBytes, long P2pBytes, long UploadedBytes, double Ratio, long ServedHttpBytes);

public sealed record P2PVideoStatsDto(Guid Uuid, string? Name, long HttpBytes, long P2pBytes, long UploadedBytes, double Ratio, int Reporters,
    long ServedHttpBytes);
