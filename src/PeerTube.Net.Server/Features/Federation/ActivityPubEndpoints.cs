using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Features.Live;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// The ActivityPub side of PeerTube's URLs. A request for /accounts/{name}, /video-channels/{name} or
/// /videos/watch/{uuid} that asks for ActivityPub is sent here by <see cref="FederationFeature.UseActivityPubNegotiation"/>;
/// the same URL in a browser gets the HTML page.
/// </summary>
public static class ActivityPubEndpoints
{
    /// <summary>Where negotiated requests are rewritten to; not a public contract.</summary>
    public const string Prefix = "/_ap";
    private const int PageSize = 20;

    public static IEndpointRouteBuilder MapActivityPub(this IEndpointRouteBuilder app)
    {
        app.MapPost("/inbox", InboxEndpoint.ReceiveAsync).DisableAntiforgery();
        app.MapPost("/accounts/{name}/inbox", InboxEndpoint.ReceiveAsync).DisableAntiforgery();
        app.MapPost("/video-channels/{name}/inbox", InboxEndpoint.ReceiveAsync).DisableAntiforgery();

        app.MapGet(Prefix + "/accounts/{name}", AccountAsync);
        app.MapGet(Prefix + "/video-channels/{name}", ChannelAsync);
        app.MapGet(Prefix + "/videos/watch/{id}", VideoAsync);
        app.MapGet("/accounts/{name}/outbox", (string name, int? page, AppDbContext db, LocalActors local, ActivityObjects objects, CancellationToken ct) =>
            OutboxAsync(name, channel: false, page, db, local, objects, ct));
        app.MapGet("/video-channels/{name}/outbox", (string name, int? page, AppDbContext db, LocalActors local, ActivityObjects objects, CancellationToken ct) =>
            OutboxAsync(name, channel: true, page, db, local, objects, ct));
        app.MapGet("/accounts/{name}/followers", (string name, int? page, AppDbContext db, LocalActors local, CancellationToken ct) =>
            FollowCollectionAsync(local.ForAccountAsync(name, ct), followers: true, page, db, ct));
        app.MapGet("/video-channels/{name}/followers", (string name, int? page, AppDbContext db, LocalActors local, CancellationToken ct) =>
            FollowCollectionAsync(local.ForChannelAsync(name, ct), followers: true, page, db, ct));
        app.MapGet("/accounts/{name}/following", (string name, int? page, AppDbContext db, LocalActors local, CancellationToken ct) =>
            FollowCollectionAsync(local.ForAccountAsync(name, ct), followers: false, page, db, ct));
        app.MapGet("/video-channels/{name}/following", (string name, int? page, AppDbContext db, LocalActors local, CancellationToken ct) =>
            FollowCollectionAsync(local.ForChannelAsync(name, ct), followers: false, page, db, ct));
        return app;
    }

    /// <summary>An ActivityPub document, with its media type.</summary>
    public static IResult Json(JsonObject doc) => TypedResults.Text(doc.ToJsonString(ActivityJson.Options), ActivityJson.ContentType + "; charset=utf-8");

    private static async Task<IResult> AccountAsync(string name, LocalActors local, ActivityObjects objects, ActorProfiles profiles, CancellationToken ct) =>
        await local.ForAccountAsync(name, ct) is { } actor
            ? Json(objects.ActorDocument(actor, null, await profiles.OfAsync(actor, ct)))
            : ApiProblem.NotFound("Account not found.");

    private static async Task<IResult> ChannelAsync(string name, AppDbContext db, LocalActors local, ActivityObjects objects, ActorProfiles profiles, CancellationToken ct)
    {
        if (await local.ForChannelAsync(name, ct) is not { } actor)
        {
            return ApiProblem.NotFound("Video channel not found.");
        }

        var owner = await db.VideoChannels.AsNoTracking().Where(c => c.Id == actor.ChannelId).Select(c => c.Account!.Name).FirstAsync(ct);
        return Json(objects.ActorDocument(actor, local.AccountUrl(owner), await profiles.OfAsync(actor, ct)));
    }

    /// <summary>Public and unlisted, published, ours, not unfederated by a moderator: the Video object. Anything else is not federated.</summary>
    private static async Task<IResult> VideoAsync(string id, AppDbContext db, ActivityObjects objects, LocalActors local, IBlockedVideos blocked, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().WithDetails().ById(id).FirstOrDefaultAsync(ct);
        if (video is null || !video.IsLocal || !ActivityObjects.HasStateForFederation(video) || VideoUrls.IsPrivateLike(video)
            || await blocked.FindAsync(video.Id, ct) is { Unfederated: true })
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var live = video.IsLive ? await db.LiveVideos.AsNoTracking().FirstOrDefaultAsync(l => l.VideoId == video.Id, ct) : null;
        return Json(objects.Video(video, local.AccountUrl(video.Channel!.Account!.Name), local.ChannelUrl(video.Channel.Name), live: live));
    }

    /// <summary>
    /// The actor's public videos as Create activities, newest first, in pages. The instance actor's outbox lists every
    /// public video of the instance, so that an instance follow can fetch the back catalogue.
    /// </summary>
    private static async Task<IResult> OutboxAsync(string name, bool channel, int? page, AppDbContext db, LocalActors local, ActivityObjects objects,
        CancellationToken ct)
    {
        var actor = channel ? await local.ForChannelAsync(name, ct) : await local.ForAccountAsync(name, ct);
        if (actor is null)
        {
            return ApiProblem.NotFound("Actor not found.");
        }

        var videos = db.Videos.AsNoTracking().Where(v => v.RemoteUrl == null && v.Privacy == VideoPrivacy.Public
            && (v.State == VideoState.Published || (v.IsLive && (v.State == VideoState.WaitingForLive || v.State == VideoState.LiveEnded))));
        videos = actor.Type switch
        {
            ActorType.Group => videos.Where(v => v.ChannelId == actor.ChannelId),
            ActorType.Person => videos.Where(v => v.Channel!.AccountId == actor.AccountId),
            _ => videos,
        };
        var total = await videos.CountAsync(ct);
        var outboxUrl = actor.OutboxUrl!;
        if (page is not { } p || p < 1)
        {
            return Json(ActivityJson.WithContext(new JsonObject
            {
                ["id"] = outboxUrl, ["type"] = "OrderedCollection", ["totalItems"] = total, ["first"] = outboxUrl + "?page=1",
            }));
        }

        var rows = await videos.WithDetails().OrderByDescending(v => v.PublishedAt).Skip((p - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        var liveIds = rows.Where(v => v.IsLive).Select(v => v.Id).ToList();
        var lives = liveIds.Count == 0 ? [] : await db.LiveVideos.AsNoTracking().Where(l => liveIds.Contains(l.VideoId)).ToDictionaryAsync(l => l.VideoId, ct);
        var items = new JsonArray();
        foreach (var v in rows)
        {
            var accountUrl = local.AccountUrl(v.Channel!.Account!.Name);
            var channelUrl = local.ChannelUrl(v.Channel.Name);
            var videoUrl = objects.VideoUrl(v);
            items.Add(objects.Activity("Create", videoUrl + "/activity", accountUrl, objects.Video(v, accountUrl, channelUrl, withContext: false, lives.GetValueOrDefault(v.Id)), channelUrl + "/followers"));
        }

        var pageDoc = new JsonObject
        {
            ["id"] = $"{outboxUrl}?page={p.ToString(CultureInfo.InvariantCulture)}",
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = outboxUrl,
            ["totalItems"] = total,
            ["orderedItems"] = items,
        };
        if (p * PageSize < total)
        {
            pageDoc["next"] = $"{outboxUrl}?page={(p + 1).ToString(CultureInfo.InvariantCulture)}";
        }

        return Json(ActivityJson.WithContext(pageDoc));
    }

    private static async Task<IResult> FollowCollectionAsync(Task<Actor?> actorTask, bool followers, int? page, AppDbContext db, CancellationToken ct)
    {
        var actor = await actorTask;
        if (actor is null)
        {
            return ApiProblem.NotFound("Actor not found.");
        }

        var follows = db.ActorFollows.AsNoTracking().Where(f => f.State == FollowState.Accepted);
        follows = followers ? follows.Where(f => f.TargetId == actor.Id) : follows.Where(f => f.FollowerId == actor.Id);
        var total = await follows.CountAsync(ct);
        var url = followers ? actor.FollowersUrl! : actor.FollowingUrl!;
        if (page is not { } p || p < 1)
        {
            return Json(ActivityJson.WithContext(new JsonObject { ["id"] = url, ["type"] = "OrderedCollection", ["totalItems"] = total, ["first"] = url + "?page=1" }));
        }

        var ids = await (followers ? follows.Select(f => f.Follower!.Url) : follows.Select(f => f.Target!.Url))
            .OrderBy(u => u).Skip((p - 1) * PageSize).Take(PageSize).ToListAsync(ct);
        var items = new JsonArray();
        foreach (var id in ids)
        {
            items.Add(id);
        }

        return Json(ActivityJson.WithContext(new JsonObject
        {
            ["id"] = $"{url}?page={p.ToString(CultureInfo.InvariantCulture)}", ["type"] = "OrderedCollectionPage", ["partOf"] = url,
            ["totalItems"] = total, ["orderedItems"] = items,
            ["next"] = p * PageSize < total ? $"{url}?page={(p + 1).ToString(CultureInfo.InvariantCulture)}" : null,
        }));
    }
}
