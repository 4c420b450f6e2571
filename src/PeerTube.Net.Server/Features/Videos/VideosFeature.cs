using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Videos;

public static class VideosFeature
{
    public static WebApplicationBuilder AddVideos(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new VideoUrls(sp.GetRequiredService<IOptions<InstanceOptions>>().Value));
        builder.Services.AddScoped<IVideoEvents, VideoEvents>();
        builder.Services.AddScoped<VideoEventsReplayJob>();
        builder.Services.AddScoped<VideoRemoval>();
        builder.Services.AddScoped<ActorImages>();
        builder.Services.AddScoped<ActorEvents>();
        builder.Services.AddScoped<VideoDetailsComposer>();
        builder.Services.AddSingleton<RecentViewers>();
        builder.Services.AddOptions<ViewersOptions>().BindConfiguration(ViewersOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<VideoViewers>();
        builder.Services.AddScoped<ScheduledUpdatesJob>();
        builder.Services.AddHostedService<ScheduledUpdatesRegistration>();
        return builder;
    }

    /// <summary>A feature's part in the lives of videos (<see cref="IVideoEventHandler"/>), heard in registration order.</summary>
    public static IServiceCollection AddVideoEventHandler<THandler>(this IServiceCollection services)
        where THandler : class, IVideoEventHandler =>
        services.AddScoped<IVideoEventHandler, THandler>();

    /// <summary>A feature's part of the video as the API shows it (<see cref="IVideoDetailsPart"/>).</summary>
    public static IServiceCollection AddVideoDetailsPart<TPart>(this IServiceCollection services)
        where TPart : class, IVideoDetailsPart =>
        services.AddScoped<IVideoDetailsPart, TPart>();
}
