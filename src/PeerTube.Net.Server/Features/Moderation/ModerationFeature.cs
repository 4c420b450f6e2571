using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>Abuse reports: made here by users, received from other instances as Flags, handled by moderators.</summary>
public static class ModerationFeature
{
    public static WebApplicationBuilder AddModeration(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AbuseFederation>();
        builder.Services.AddScoped<FederateFlagJob>();
        builder.Services.AddActivityHandler<FlagHandler>();
        return builder;
    }
}
