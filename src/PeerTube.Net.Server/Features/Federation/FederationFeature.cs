using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Infrastructure.Jobs;
using PeerTube.Net.Server.Features.Federation.Discovery;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// ActivityPub the way PeerTube speaks it: discovery (webfinger, nodeinfo, host-meta), actors and their collections,
/// signed inboxes whose activities are processed as jobs, and a delivery queue with retries.
/// </summary>
public static class FederationFeature
{
    public static WebApplicationBuilder AddFederation(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<FederationOptions>().BindConfiguration(FederationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddFederationHttp();
        services.AddScoped<LocalActors>();
        services.AddScoped<RemoteActors>();
        services.AddScoped<RemoteVideos>();
        services.AddScoped<VideoTrust>();
        services.AddSingleton<KeyFetchGuard>();
        services.AddJobQueue(FederationQueues.Inbox, sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<FederationOptions>>().Value.InboxWorkers);
        services.AddJobQueue(FederationQueues.Outbound, sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<FederationOptions>>().Value.OutboundWorkers);
        services.AddScoped<ActivityVideos>();
        services.AddScoped<FollowService>();
        services.AddScoped<ActivityObjects>();
        services.AddScoped<Outbox>();
        services.AddSingleton<DeliverySignal>();
        services.AddVideoEventHandler<VideoFederation>();
        services.AddScoped<FederateVideoJob>();
        services.AddScoped<VideoAudience>();
        services.AddScoped<ActorProfiles>();
        services.AddScoped<IActorEventHandler, ActorFederation>();
        services.AddScoped<ProcessInboxActivityJob>();
        services.AddHostedService<InboxLogCleanup>();
        services.AddActivityHandler<FollowHandler>();
        services.AddActivityHandler<FollowAnswerHandler>();
        services.AddActivityHandler<UndoFollowHandler>();
        services.AddActivityHandler<UndoAnnounceHandler>();
        services.AddActivityHandler<ActorUpdateHandler>();
        services.AddActivityHandler<UpdateActorHandler>();
        services.AddActivityHandler<DeleteActorHandler>();
        services.AddActivityHandler<VideoHandler>();
        services.AddActivityHandler<AnnounceHandler>();
        services.AddActivityHandler<DeleteVideoHandler>();
        services.AddScoped<FetchOutboxJob>();
        services.AddScoped<InstanceFollowJob>();
        services.AddSingleton<DeliveryWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        services.AddScoped<Accounts.IUserRemovalHandler, FederationUserRemoval>();
        services.AddHostedService<DetachedActorsSweeper>();
        return builder;
    }

    /// <summary>
    /// Sends a request for an actor or a video that asks for ActivityPub (<c>Accept: application/activity+json</c> or
    /// the ld+json profile) to its document; a browser asking for the same URL still gets the HTML page. Runs before routing.
    /// </summary>
    public static IApplicationBuilder UseActivityPubNegotiation(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var request = http.Request;
        if ((HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && IsNegotiated(request.Path))
        {
            http.Response.Headers.Append("Vary", "Accept");
            if (ActivityJson.Wants(request.Headers.Accept.ToString()))
            {
                request.Path = ActivityPubEndpoints.Prefix + request.Path;
            }
        }

        return next(http);
    });

    /// <summary>/accounts/{name}, /video-channels/{name}, /videos/watch/{id} and /video-playlists/{id}, and nothing below them.</summary>
    private static bool IsNegotiated(PathString path)
    {
        var value = path.Value;
        if (value is null)
        {
            return false;
        }

        foreach (var prefix in (ReadOnlySpan<string>)["/accounts/", "/video-channels/", "/videos/watch/", "/video-playlists/"])
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = value.AsSpan(prefix.Length).TrimEnd('/');
                return rest.Length > 0 && !rest.Contains('/');
            }
        }

        return false;
    }

    /// <summary>
    /// Inbox activities are stored before their job is queued; jobs kept in memory (the embedded default) die with the
    /// process, so the ones not yet processed are queued again on start. The job skips a row already processed.
    /// </summary>
    public static async Task RecoverFederationAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
        var pending = await db.InboxActivities.Where(a => a.ProcessedAt == null).OrderBy(a => a.Id).Select(a => a.Id).ToListAsync();
        foreach (var id in pending)
        {
            jobs.Create<ProcessInboxActivityJob>(j => j.RunAsync(id, CancellationToken.None),
                new EnqueuedState(FederationQueues.Inbox));
        }
    }
}
