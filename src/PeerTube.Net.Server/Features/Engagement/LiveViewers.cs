using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Features.Streaming;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>
/// What the client method <c>viewers</c> receives (PeerTube's socket.io <c>views-change</c> in its "live" namespace):
/// the video's id and how many watch it now.
/// </summary>
public sealed record ViewersUpdate(int VideoId, Guid Uuid, int Viewers)
{
    public const string ClientMethod = "viewers";
}

/// <summary>
/// The hub at /hubs/live: <c>Subscribe(id)</c> (a video's id, uuid or shortUUID) answers with its viewer count, then
/// <c>viewers</c> brings each change. Anyone who may watch the video may subscribe: anonymous for a public or unlisted
/// one, the viewer's session (or a <c>?videoFileToken=</c>) for a private, internal or password-protected one.
/// </summary>
public sealed class LiveViewersHub(AppDbContext db, VideoViewers viewers, VideoFileTokens tokens, IOptions<InstanceOptions> instance,
    IOptions<ViewersOptions> options) : Hub
{
    public const string Path = "/hubs/live";

    /// <summary>
    /// Counts are per node (<see cref="VideoViewers"/>): each node tells its own subscribers, so that with the Redis
    /// backplane two nodes never send one page two different counts.
    /// </summary>
    public static string Group(string nodeId, int videoId) => $"viewers:{nodeId}:{videoId.ToString(CultureInfo.InvariantCulture)}";

    public async Task<ViewersUpdate> Subscribe(string id)
    {
        var subscribed = Subscriptions();
        var video = await db.Videos.AsNoTracking().ById(id ?? "")
            .Select(v => new { v.Id, v.Uuid, v.Privacy, OwnerId = v.Channel!.Account!.UserId })
            .FirstOrDefaultAsync(Context.ConnectionAborted) ?? throw new HubException("video not found");
        var mayWatch = (Context.User is { } user && VideoAccess.CanView(video.Privacy, video.OwnerId, user))
                       || tokens.IsValid(Context.GetHttpContext()?.Request.Query["videoFileToken"].ToString(), video.Uuid);
        if (!mayWatch)
        {
            // The same answer as for a video that is not there: a stranger learns nothing of a private one.
            throw new HubException("video not found");
        }

        lock (subscribed)
        {
            if (!subscribed.Contains(video.Id) && subscribed.Count >= options.Value.MaxSubscriptionsPerConnection)
            {
                throw new HubException("too many subscriptions");
            }

            subscribed.Add(video.Id);
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(instance.Value.NodeId, video.Id), Context.ConnectionAborted);
        return new ViewersUpdate(video.Id, video.Uuid, viewers.CountOf(video.Id));
    }

    public async Task Unsubscribe(int videoId)
    {
        var subscribed = Subscriptions();
        lock (subscribed)
        {
            subscribed.Remove(videoId);
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(instance.Value.NodeId, videoId), Context.ConnectionAborted);
    }

    private HashSet<int> Subscriptions()
    {
        if (Context.Items.TryGetValue(typeof(LiveViewersHub), out var value) && value is HashSet<int> set)
        {
            return set;
        }

        set = [];
        Context.Items[typeof(LiveViewersHub)] = set;
        return set;
    }
}

/// <summary>
/// Every <see cref="ViewersOptions.PushIntervalMilliseconds"/>: drops the expired viewers and tells the subscribers of
/// each video whose count changed. Every quarter of <see cref="ViewersOptions.LifetimeSeconds"/>, as PeerTube does:
/// tells a remote live's origin of our viewers of it (each again after 3/4 of a lifetime), and the followers of our
/// lives of their whole count (at most once a lifetime each). Best effort: a lost push is corrected by the next one.
/// </summary>
public sealed partial class LiveViewersService(
    VideoViewers viewers, IHubContext<LiveViewersHub> hub, IServiceScopeFactory scopes, TimeProvider clock,
    IOptions<ViewersOptions> options, IOptions<InstanceOptions> instance, IOptions<FederationOptions> federation,
    ILogger<LiveViewersService> logger) : BackgroundService
{
    private DateTimeOffset _nextFederation = DateTimeOffset.MinValue;
    private readonly Dictionary<int, DateTimeOffset> _totalsSent = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.Value.PushIntervalMilliseconds), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await PushAsync(stoppingToken);
                if (federation.Value.Enabled && clock.GetUtcNow() >= _nextFederation)
                {
                    _nextFederation = clock.GetUtcNow() + options.Value.Lifetime / 4;
                    await FederateAsync(stoppingToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e);
            }
        }
    }

    private async Task PushAsync(CancellationToken ct)
    {
        var changed = viewers.TakeChanges();
        if (changed.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var uuids = await db.Videos.AsNoTracking().Where(v => changed.Contains(v.Id)).Select(v => new { v.Id, v.Uuid }).ToListAsync(ct);
        foreach (var video in uuids)
        {
            await hub.Clients.Group(LiveViewersHub.Group(instance.Value.NodeId, video.Id))
                .SendAsync(ViewersUpdate.ClientMethod, new ViewersUpdate(video.Id, video.Uuid, viewers.CountOf(video.Id)), ct);
        }
    }

    private async Task FederateAsync(CancellationToken ct)
    {
        var watched = viewers.Watched();
        if (watched.Count == 0)
        {
            return;
        }

        var ids = watched.Select(w => w.VideoId).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var lives = await db.Videos.AsNoTracking()
            .Where(v => ids.Contains(v.Id) && v.IsLive && v.Privacy != VideoPrivacy.Private && v.Privacy != VideoPrivacy.Internal)
            .Select(v => new { v.Id, Remote = v.RemoteUrl != null }).ToListAsync(ct);
        var remote = lives.Where(l => l.Remote).Select(l => l.Id).ToHashSet();
        var sender = scope.ServiceProvider.GetRequiredService<ViewerFederation>();
        foreach (var (videoId, viewerId) in viewers.TakeLocalViewersToReport(remote.Contains))
        {
            await sender.SendAsync(videoId, viewerId, 1, ct);
        }

        var now = clock.GetUtcNow();
        foreach (var live in lives.Where(l => !l.Remote))
        {
            if (_totalsSent.TryGetValue(live.Id, out var sent) && now - sent < options.Value.Lifetime * 0.9)
            {
                continue;
            }

            _totalsSent[live.Id] = now;
            var count = watched.First(w => w.VideoId == live.Id).Viewers;
            await sender.SendAsync(live.Id, null, count, ct);
        }

        foreach (var gone in _totalsSent.Keys.Where(k => !ids.Contains(k)).ToList())
        {
            _totalsSent.Remove(gone);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Viewer counts not pushed or federated this time")]
    private partial void LogFailed(Exception e);
}

/// <summary>
/// PeerTube's viewer View (lib/activitypub/send/send-view.ts): from the instance actor, with <c>expires</c> and the count
/// in <c>result.userInteractionCount</c>; to a remote live's origin one per viewer (its id names the viewer), to our
/// live's followers its whole count (its id names the video). Through the outbox, like every other activity.
/// </summary>
public sealed class ViewerFederation(AppDbContext db, LocalActors local, VideoAudience audience, ActivityObjects objects, Outbox outbox,
    VideoViewers viewers)
{
    /// <param name="viewerId">The viewer, for a remote live; null for our live's whole count.</param>
    public async Task SendAsync(int videoId, string? viewerId, int count, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().Include(v => v.Channel).FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is null || VideoUrls.IsPrivateLike(video))
        {
            return;
        }

        var actor = await local.InstanceActorAsync(ct);
        var id = $"{actor.Url}/views/videos/{videoId.ToString(CultureInfo.InvariantCulture)}/{viewerId ?? video.Uuid.ToString("D")}";
        var activity = objects.Activity("View", id, actor.Url, JsonValue.Create(objects.VideoUrl(video)));
        activity["expires"] = viewers.ExpiresFromNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        activity["result"] = new JsonObject
        {
            ["interactionType"] = "WatchAction",
            ["type"] = "InteractionCounter",
            ["userInteractionCount"] = count,
        };
        await outbox.SendAsync(actor, activity, await audience.InboxesAsync(video, ct), ct);
    }
}
