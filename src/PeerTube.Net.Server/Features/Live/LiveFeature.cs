using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Server.Features.Live;

public static class LiveFeature
{
    public static WebApplicationBuilder AddLive(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LiveTranscodingOptions>().BindConfiguration(LiveTranscodingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LiveRtmpsOptions>().BindConfiguration(LiveRtmpsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<LiveRtmpsOptions>, LiveRtmpsOptionsValidator>();
        services.AddSingleton<IServerConfigContributor, LiveConfigPart>();
        services.AddOptions<RtmpOptions>().BindConfiguration(RtmpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LiveIngest>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveIngest>());
        services.AddVideoEventHandler<LiveVideoEvents>();
        services.AddScoped<SaveReplayJob>();
        return builder;
    }

    public static IEndpointRouteBuilder MapLive(this IEndpointRouteBuilder app) => app.MapLiveApi();
}
