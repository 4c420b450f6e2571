using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Subscriptions;

/// <summary>PeerTube's <c>/api/v1/users/me/subscriptions</c>: the signed-in user's channels, their videos, subscribe and unsubscribe.</summary>
internal static class SubscriptionsApi
{
    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users/me/subscriptions").WithTags("My Subscriptions").RequireAuthorization().DisableAntiforgery();
        api.MapGet("", ListAsync);
        api.MapPost("", SubscribeAsync);
        api.MapGet("/exist", ExistAsync);
        api.MapGet("/videos", VideosAsync);
        api.MapGet("/{handle}", GetAsync);
        api.MapDelete("/{handle}", UnsubscribeAsync);
        return app;
    }

    private static readonly HashSet<string> ChannelSorts = ["createdAt", "channelUpdatedAt"];
    private static readonly HashSet<string> VideoSorts = ["publishedAt", "createdAt"];

    private static async Task<int> MyAccountIdAsync(AppDbContext db, ClaimsPrincipal principal, CancellationToken ct)
    {
        var me = principal.UserId();
        return await db.Accounts.AsNoTracking().Where(a => a.UserId == me).Select(a => a.Id).FirstAsync(ct);
    }

    /// <summary>The channels followed, newest subscription first: PeerTube's <c>{ total, data: VideoChannel[] }</c>.</summary>
    private static async Task<Ok<ListPage<ChannelDto>>> ListAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, ChannelSubscriptions subscriptions,
        IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var page = ListQuery.Read(request, ChannelSorts, "-createdAt");
        var follows = (await subscriptions.OfAsync(await MyAccountIdAsync(db, principal, ct), ct)).AsNoTracking().Where(f => f.Target!.ChannelId != null);
        var total = await follows.CountAsync(ct);
        var ordered = page.Descending ? follows.OrderByDescending(f => f.CreatedAt).ThenByDescending(f => f.Id) : follows.OrderBy(f => f.CreatedAt).ThenBy(f => f.Id);
        var ids = await ordered.Skip(page.Start).Take(page.Count).Select(f => f.Target!.ChannelId!.Value).ToListAsync(ct);
        var channels = await db.VideoChannels.AsNoTracking().Include(c => c.Account).Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        return TypedResults.Ok(new ListPage<ChannelDto>(total, ids.Where(channels.ContainsKey).Select(id => AccountDtos.Channel(channels[id], instance.Value)).ToList()));
    }

    /// <summary>Body <c>{ "uri": "channel@host" }</c>: 204. 400 for a malformed handle, 404 for no such local channel.</summary>
    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem>> SubscribeAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        ChannelSubscriptions subscriptions, CancellationToken ct)
    {
        string? uri = null;
        try
        {
            using var doc = await System.Text.Json.JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("uri", out var u)
                && u.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                uri = u.GetString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // answered below as a missing uri
        }

        if (subscriptions.Parse(uri) is not { } handle)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["uri"] = "Should have a valid channel handle to subscribe to (name@host)." });
        }

        return await subscriptions.SubscribeAsync(await MyAccountIdAsync(db, principal, ct), handle.Name, handle.Host, ct)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("Video channel not found.");
    }

    /// <summary>
    /// <c>?uris=a@host&amp;uris=b@host</c>: <c>{ "a@host": true, "b@host": false }</c>, each handle as given. A pending
    /// follow of a remote channel counts: the user asked for it.
    /// </summary>
    private static async Task<Results<Ok<Dictionary<string, bool>>, BadRequestProblem>> ExistAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        ChannelSubscriptions subscriptions, CancellationToken ct)
    {
        var uris = request.Query["uris"].Where(u => !string.IsNullOrEmpty(u)).Select(u => u!).Distinct().ToList();
        if (uris.Count is 0 or > 100 || uris.Any(u => subscriptions.Parse(u) is null))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["uris"] = "Should have between 1 and 100 valid channel handles (name@host)." });
        }

        var followed = await (await subscriptions.OfAsync(await MyAccountIdAsync(db, principal, ct), ct)).AsNoTracking()
            .Select(f => new { f.Target!.PreferredUsername, f.Target.Host }).ToListAsync(ct);
        return TypedResults.Ok(uris.ToDictionary(u => u, u =>
        {
            var (name, host) = subscriptions.Parse(u)!.Value;
            return followed.Any(f => f.PreferredUsername == name && string.Equals(f.Host, host, StringComparison.OrdinalIgnoreCase));
        }));
    }

    /// <summary>One subscription: the channel, or 404 when the user does not follow it.</summary>
    private static async Task<Results<Ok<ChannelDto>, NotFoundProblem>> GetAsync(string handle, ClaimsPrincipal principal, AppDbContext db,
        ChannelSubscriptions subscriptions, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var channelId = subscriptions.Parse(handle) is { } h
            ? await (await subscriptions.OfAsync(await MyAccountIdAsync(db, principal, ct), ct)).AsNoTracking()
                .Where(f => f.Target!.PreferredUsername == h.Name && f.Target.Host == h.Host && f.Target.ChannelId != null)
                .Select(f => f.Target!.ChannelId).FirstOrDefaultAsync(ct)
            : null;
        var channel = channelId is null ? null : await db.VideoChannels.AsNoTracking().Include(c => c.Account).FirstOrDefaultAsync(c => c.Id == channelId, ct);
        return channel is null ? ApiProblem.NotFound("Subscription not found.") : TypedResults.Ok(AccountDtos.Channel(channel, instance.Value));
    }

    private static async Task<Results<NoContent, NotFoundProblem>> UnsubscribeAsync(string handle, ClaimsPrincipal principal, AppDbContext db,
        ChannelSubscriptions subscriptions, CancellationToken ct) =>
        subscriptions.Parse(handle) is { } h && await subscriptions.UnsubscribeAsync(await MyAccountIdAsync(db, principal, ct), h.Name, h.Host, ct)
            ? TypedResults.NoContent()
            : ApiProblem.NotFound("Subscription not found.");

    /// <summary>The public videos of the channels followed (accepted follows only), newest first: PeerTube's video list.</summary>
    private static async Task<Ok<ListPage<Dictionary<string, object?>>>> VideosAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db,
        ChannelSubscriptions subscriptions, IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance, VideoUrls urls, CancellationToken ct)
    {
        var page = ListQuery.Read(http.Request, VideoSorts, "-publishedAt");
        var (total, videos) = await FeedAsync(db, subscriptions, muted, blocked, principal, await MyAccountIdAsync(db, principal, ct), page, ct);
        return TypedResults.Ok(new ListPage<Dictionary<string, object?>>(total, videos.Select(v => VideoDtos.Summary(v, instance.Value, urls, principal)).ToList()));
    }

    /// <summary>A page of the subscription feed, for the API and the Subscriptions page.</summary>
    internal static async Task<(int Total, List<Video> Videos)> FeedAsync(AppDbContext db, ChannelSubscriptions subscriptions, IMutedAccounts muted,
        IBlockedVideos blocked, ClaimsPrincipal principal, int accountId, ListQuery page, CancellationToken ct)
    {
        var channelIds = (await subscriptions.OfAsync(accountId, ct))
            .Where(f => f.State == FollowState.Accepted && f.Target!.ChannelId != null).Select(f => f.Target!.ChannelId!.Value);
        var query = db.Videos.AsNoTracking().Listable().NotMutedFor(muted, principal).NotBlockedFor(blocked, principal).Where(v => channelIds.Contains(v.ChannelId));
        var total = await query.CountAsync(ct);
        var ordered = (page.Column, page.Descending) switch
        {
            ("createdAt", true) => query.OrderByDescending(v => v.CreatedAt),
            ("createdAt", false) => query.OrderBy(v => v.CreatedAt),
            (_, true) => query.OrderByDescending(v => v.PublishedAt),
            _ => query.OrderBy(v => v.PublishedAt),
        };
        var videos = await ordered.ThenByDescending(v => v.Id).Skip(page.Start).Take(page.Count)
            .Include(v => v.Channel!).ThenInclude(c => c.Account!).ToListAsync(ct);
        return (total, videos);
    }
}
