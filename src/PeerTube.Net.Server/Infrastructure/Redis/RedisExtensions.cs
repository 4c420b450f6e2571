using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SignalRRedisOptions = Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions;

namespace PeerTube.Net.Server.Infrastructure.Redis;

/// <summary>
/// With Redis:Configuration set: one shared <see cref="IConnectionMultiplexer"/> and SignalR's Redis backplane for every
/// hub (the swarm hub's <c>signal</c>, transcoding progress). The swarm hub swaps its registry itself (Features/Peers).
/// </summary>
public static class RedisExtensions
{
    /// <summary>Whether this node is one of several sharing Redis; read at start, as it decides what gets registered.</summary>
    public static bool IsRedisEnabled(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Configuration)}"]);

    public static WebApplicationBuilder AddRedis(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!builder.Configuration.IsRedisEnabled())
        {
            return builder;
        }

        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            var configuration = ConfigurationOptions.Parse(options.Configuration);
            // Start, and reconnect later, while Redis is away: calls fail (and say so) meanwhile rather than the node.
            configuration.AbortOnConnectFail = false;
            // The backplane's channels get their prefix here: SignalR, given a connection, does not add its own.
            configuration.ChannelPrefix = RedisChannel.Literal(options.ChannelPrefix + ":");
            configuration.ClientName ??= $"peertube-net:{Environment.MachineName}";
            return ConnectionMultiplexer.Connect(configuration);
        });
        services.AddSignalR().AddStackExchangeRedis();
        services.AddOptions<SignalRRedisOptions>().Configure<IServiceProvider>((signalr, sp) =>
            signalr.ConnectionFactory = _ => Task.FromResult(sp.GetRequiredService<IConnectionMultiplexer>()));
        return builder;
    }
}
