using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>Transcoding progress pushed to the upload page over SignalR; see docs/web-contract.md.</summary>
public static class TranscodingProgressFeature
{
    public const string HubPath = "/hubs/videos";

    public static IServiceCollection AddTranscodingProgress(this IServiceCollection services)
    {
        // One node: groups live in this process. With several nodes, Redis:Configuration adds SignalR's Redis
        // backplane (Infrastructure/Redis), so that the node running the job reaches every subscriber.
        services.AddSignalR();
        services.AddSingleton<ITranscodingProgressNotifier, HubTranscodingProgressNotifier>();
        return services;
    }

    /// <summary>
    /// No [Authorize] on the hub: anyone may connect, Subscribe decides. The bearer token comes from the
    /// Authorization header or, as browsers cannot set headers on WebSockets, from ?access_token= (turned into a
    /// header for /hubs/* by UseWebSession, and read by OpenIddict's validation on its own as well) or the pt_token cookie.
    /// </summary>
    public static IEndpointRouteBuilder MapTranscodingProgress(this IEndpointRouteBuilder app)
    {
        app.MapHub<VideosHub>(HubPath);
        return app;
    }
}

/// <summary>What the client method <c>transcoding</c> receives.</summary>
public sealed record TranscodingUpdate(Guid Uuid, IdLabel<int> State, int? Progress, string? Error)
{
    public const string ClientMethod = "transcoding";

    public static TranscodingUpdate Of(Guid uuid, VideoState state, int? progress, string? error) =>
        new(uuid, new IdLabel<int>((int)state, VideoConstants.States.TryGetValue((int)state, out var label) ? label : "Unknown"),
            state == VideoState.Published ? 100 : progress, state == VideoState.TranscodingFailed ? error : null);

    public static string Group(Guid uuid) => "video:" + uuid.ToString("D");
}

/// <summary>Tells whoever watches a video how its transcoding goes. Best effort: the database stays the truth.</summary>
public interface ITranscodingProgressNotifier
{
    Task NotifyAsync(TranscodingUpdate update, CancellationToken ct);
}

public sealed class HubTranscodingProgressNotifier(IHubContext<VideosHub> hub, ILogger<HubTranscodingProgressNotifier> log)
    : ITranscodingProgressNotifier
{
    public async Task NotifyAsync(TranscodingUpdate update, CancellationToken ct)
    {
        try
        {
            await hub.Clients.Group(TranscodingUpdate.Group(update.Uuid)).SendAsync(TranscodingUpdate.ClientMethod, update, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A lost progress message must never fail a transcoding job: clients catch up on their next Subscribe.
            log.LogWarning(e, "Could not send the transcoding progress of video {Uuid}", update.Uuid);
        }
    }
}

/// <summary>The hub at /hubs/videos. Subscribe(id) joins the video's group and answers with its current state.</summary>
public sealed class VideosHub(AppDbContext db) : Hub
{
    public async Task Subscribe(string id)
    {
        var user = Context.User;
        if (user?.UserId() is not { } me)
        {
            throw new HubException("not allowed");
        }

        var video = await db.Videos.AsNoTracking().ById(id ?? "")
            .Select(v => new { v.Uuid, OwnerId = v.Channel!.Account!.UserId })
            .FirstOrDefaultAsync(Context.ConnectionAborted);
        if (video is null)
        {
            throw new HubException("video not found");
        }

        if (video.OwnerId != me && !user.IsModeratorOrAdmin())
        {
            throw new HubException("not allowed");
        }

        // Join first, read second: an update sent in between is at worst received twice, never missed.
        await Groups.AddToGroupAsync(Context.ConnectionId, TranscodingUpdate.Group(video.Uuid), Context.ConnectionAborted);
        var state = await db.Videos.AsNoTracking().Where(v => v.Uuid == video.Uuid)
            .Select(v => new { v.State, v.TranscodingProgress, v.FailureReason })
            .FirstOrDefaultAsync(Context.ConnectionAborted);
        if (state is null)
        {
            throw new HubException("video not found");
        }

        await Clients.Caller.SendAsync(TranscodingUpdate.ClientMethod,
            TranscodingUpdate.Of(video.Uuid, state.State, state.TranscodingProgress, state.FailureReason), Context.ConnectionAborted);
    }

    public Task Unsubscribe(string id) =>
        Guid.TryParse(id, out var uuid) || ShortUuid.TryParse(id, out uuid)
            ? Groups.RemoveFromGroupAsync(Context.ConnectionId, TranscodingUpdate.Group(uuid), Context.ConnectionAborted)
            : Task.CompletedTask;
}
