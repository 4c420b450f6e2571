using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Moderation.Blocklists;
using PeerTube.Net.Server.Features.Moderation.Log;
using PeerTube.Net.Server.Features.Moderation.VideoBlocks;
using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>
/// Abuse reports (made here by users, received from other instances as Flags, handled by moderators) and blocklists
/// (the instance's and each user's, and the blocklists the instance subscribes to).
/// </summary>
public static class ModerationFeature
{
    public static WebApplicationBuilder AddModeration(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AbuseFederation>();
        builder.Services.AddScoped<FederateFlagJob>();
        builder.Services.AddActivityHandler<FlagHandler>();

        builder.Services.AddOptions<BlocklistOptions>().BindConfiguration(BlocklistOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<Blocklists.Blocklists>();
        builder.Services.AddScoped<IMutedAccounts, MutedAccounts>();
        builder.Services.AddScoped<IInboundBlocklist, InboundBlocklist>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ModerationLog>();
        builder.Services.AddScoped<IBlockedVideos, BlockedVideos>();
        builder.Services.AddVideoDetailsPart<VideoBlockDetailsPart>();
        builder.Services.AddSingleton<BlocklistRefresher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BlocklistRefresher>());
        return builder;
    }

    public static IEndpointRouteBuilder MapModerationApi(this IEndpointRouteBuilder app)
    {
        app.MapAbusesApi();
        app.MapBlocklistApi();
        app.MapBlocklistSubscriptionsApi();
        app.MapVideoBlocksApi();
        app.MapAbuseMessagesApi();
        app.MapAuditLogApi();
        return app;
    }
}
