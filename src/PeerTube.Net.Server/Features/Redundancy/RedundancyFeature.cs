using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// Redundancy: copies of other instances' videos, kept here by strategies or by hand, served under
/// /static/redundancy/hls/&lt;uuid&gt;/ (playlists included, so a video stays playable while its origin is down), and
/// announced as CacheFiles; and others' copies of ours, listed to players as extra sources.
/// </summary>
public static class RedundancyFeature
{
    public static WebApplicationBuilder AddRedundancy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedundancyOptions>().BindConfiguration(RedundancyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MirrorsInProgress>();
        services.AddVideoDetailsPart<RedundancyDetailsPart>();
        services.AddVideoEventHandler<RedundancyVideoEvents>();
        services.AddActivityHandler<CacheFileHandler>();
        services.AddScoped<Torrents.IWebSeedMirrors, RedundancyWebSeeds>();
        services.AddScoped<MirrorVideoJob>();
        services.AddScoped<CacheFileAnnouncer>();
        services.AddScoped<CacheFileInbox>();
        services.AddScoped<RedundancyPlanner>();
        services.AddHostedService<RedundancyScheduler>();
        return builder;
    }
}
