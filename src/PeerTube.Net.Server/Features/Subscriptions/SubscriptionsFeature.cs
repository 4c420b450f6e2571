namespace PeerTube.Net.Server.Features.Subscriptions;

/// <summary>Users subscribe to channels, ours or remote (PeerTube's "My subscriptions"), and read their videos in one feed.</summary>
public static class SubscriptionsFeature
{
    public static WebApplicationBuilder AddSubscriptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<ChannelSubscriptions>();
        builder.Services.AddScoped<SubscribeJob>();
        return builder;
    }

    public static WebApplication MapSubscriptions(this WebApplication app)
    {
        app.MapSubscriptionsApi();
        return app;
    }
}
