using System.Security.Claims;
using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// PeerTube's instance follows: <c>/api/v1/server/following</c> (whom our instance follows: instances by host, channels by
/// handle) and <c>/api/v1/server/followers</c> (who follows us), for administrators.
/// </summary>
internal static class FollowsApi
{
    public static IEndpointRouteBuilder MapFollowsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/server").WithTags("Follows").RequireAuthorization().DisableAntiforgery();
        api.MapGet("/following", (HttpContext http, ClaimsPrincipal p, AppDbContext db, LocalActors local, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ListAsync(http, p, db, local, i.Value, following: true, ct));
        api.MapGet("/followers", (HttpContext http, ClaimsPrincipal p, AppDbContext db, LocalActors local, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ListAsync(http, p, db, local, i.Value, following: false, ct));
        api.MapPost("/following", FollowAsync);
        api.MapDelete("/following/{hostOrHandle}", UnfollowAsync);
        api.MapPost("/followers/{handle}/accept", (string handle, ClaimsPrincipal p, AppDbContext db, LocalActors local, FollowService follows, CancellationToken ct) =>
            AnswerAsync(handle, p, db, local, follows, accept: true, ct));
        api.MapPost("/followers/{handle}/reject", (string handle, ClaimsPrincipal p, AppDbContext db, LocalActors local, FollowService follows, CancellationToken ct) =>
            AnswerAsync(handle, p, db, local, follows, accept: false, ct));
        api.MapDelete("/followers/{handle}", RemoveFollowerAsync);

        // PeerTube's followers of one account or channel: for its owner, and for moderators.
        var actors = app.MapGroup("/api/v1").WithTags("Follows").RequireAuthorization();
        actors.MapGet("/accounts/{name}/followers", (string name, HttpContext http, ClaimsPrincipal p, AppDbContext db, LocalActors local, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ActorFollowersAsync(name, channel: false, http, p, db, local, i.Value, ct));
        actors.MapGet("/video-channels/{handle}/followers", (string handle, HttpContext http, ClaimsPrincipal p, AppDbContext db, LocalActors local, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ActorFollowersAsync(handle, channel: true, http, p, db, local, i.Value, ct));
        return app;
    }

    private static async Task<Results<Ok<ListPage<FollowDto>>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ActorFollowersAsync(string handle, bool channel, HttpContext http,
        ClaimsPrincipal principal, AppDbContext db, LocalActors local, InstanceOptions instance, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance);
        var ownerUserId = channel
            ? await db.VideoChannels.Where(c => c.Name == name && c.Host == null).Select(c => new { c.Account!.UserId }).FirstOrDefaultAsync(ct)
            : await db.Accounts.Where(a => a.Name == name && a.Host == null).Select(a => new { a.UserId }).FirstOrDefaultAsync(ct);
        if (ownerUserId is null)
        {
            return ApiProblem.NotFound(channel ? "Video channel not found." : "Account not found.");
        }

        if (ownerUserId.UserId != principal.UserId() && !principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden(channel ? "Cannot manage video channel of another user" : "Cannot manage account of another user");
        }

        var actor = channel ? await local.ForChannelAsync(name, ct) : await local.ForAccountAsync(name, ct);
        var query = db.ActorFollows.AsNoTracking().Include(f => f.Follower).Include(f => f.Target).Where(f => f.TargetId == actor!.Id);
        if (http.Request.Query["state"].ToString() is { Length: > 0 } state && Enum.TryParse<FollowState>(state, ignoreCase: true, out var s))
        {
            query = query.Where(f => f.State == s);
        }

        var list = ListQuery.Read(http.Request, SortColumns, "-createdAt");
        var total = await query.CountAsync(ct);
        var ordered = list.Descending ? query.OrderByDescending(f => f.CreatedAt) : query.OrderBy(f => f.CreatedAt);
        var rows = await ordered.ThenBy(f => f.Id).Skip(list.Start).Take(list.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<FollowDto>(total, rows.Select(f => Dto(f, instance)).ToList()));
    }

    private static async Task<Results<Ok<ListPage<FollowDto>>, BadRequestProblem, ForbiddenProblem>> ListAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, LocalActors local, InstanceOptions instance,
        bool following, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage the instance's follows.");
        }

        var me = await local.InstanceActorAsync(ct);
        var query = db.ActorFollows.AsNoTracking().Include(f => f.Follower).Include(f => f.Target)
            .Where(f => following ? f.FollowerId == me.Id : f.Target!.Host == null);
        if (http.Request.Query["state"].ToString() is { Length: > 0 } state && Enum.TryParse<FollowState>(state, ignoreCase: true, out var s))
        {
            query = query.Where(f => f.State == s);
        }

        var list = ListQuery.Read(http.Request, SortColumns, "-createdAt");
        var total = await query.CountAsync(ct);
        var ordered = list.Descending ? query.OrderByDescending(f => f.CreatedAt) : query.OrderBy(f => f.CreatedAt);
        var rows = await ordered.Skip(list.Start).Take(list.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<FollowDto>(total, rows.Select(f => Dto(f, instance)).ToList()));
    }

    private static readonly IReadOnlySet<string> SortColumns = new HashSet<string> { "createdAt" };

    private static FollowDto Dto(ActorFollow f, InstanceOptions instance) =>
        new(f.Id, ActorDto(f.Follower!, instance), ActorDto(f.Target!, instance), Score: 100, f.State.ToString().ToLowerInvariant(), f.CreatedAt, f.UpdatedAt);

    private static FollowActorDto ActorDto(Actor a, InstanceOptions instance) =>
        new(a.Id, a.Url, a.PreferredUsername, a.DisplayName ?? a.PreferredUsername, a.Host ?? instance.Host, HostRedundancyAllowed: null,
            FollowingCount: 0, FollowersCount: 0, a.CreatedAt, a.FetchedAt ?? a.CreatedAt, Avatars: []);

    /// <summary>{ hosts: [...], handles: [...] }: resolving and following needs the network, so a job does it.</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem>> FollowAsync(HttpContext http, ClaimsPrincipal principal, IBackgroundJobClient jobs, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage the instance's follows.");
        }

        List<string> hosts = [], handles = [];
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: ct);
            hosts = doc.RootElement.Items("hosts").Select(h => h.ValueKind == JsonValueKind.String ? h.GetString() : null).OfType<string>().ToList();
            handles = doc.RootElement.Items("handles").Select(h => h.ValueKind == JsonValueKind.String ? h.GetString() : null).OfType<string>().ToList();
        }
        catch (JsonException)
        {
            return ApiProblem.BadRequest("The body must be JSON: { \"hosts\": [...], \"handles\": [...] }.");
        }

        var errors = new Dictionary<string, string>();
        if (hosts.Count + handles.Count is 0 or > 100)
        {
            errors["hosts"] = "Give between 1 and 100 hosts or handles.";
        }

        foreach (var host in hosts.Where(h => Uri.CheckHostName(h.Split(':')[0]) == UriHostNameType.Unknown || h.Contains('/', StringComparison.Ordinal)))
        {
            errors["hosts"] = $"'{host}' is not a host.";
        }

        foreach (var handle in handles.Where(h => h.TrimStart('@').Split('@') is not [{ Length: > 0 }, { Length: > 0 }]))
        {
            errors["handles"] = $"'{handle}' is not a name@host handle.";
        }

        if (hosts.Concat(handles.Select(h => h.Split('@')[^1])).Any(h => string.Equals(h, instance.Value.Host, StringComparison.OrdinalIgnoreCase)))
        {
            errors["hosts"] = "An instance cannot follow itself.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        foreach (var target in hosts.Select(h => h.ToLowerInvariant()).Concat(handles.Select(h => h.TrimStart('@'))))
        {
            jobs.Create<InstanceFollowJob>(j => j.FollowAsync(target, CancellationToken.None), new Hangfire.States.EnqueuedState(FederationQueues.Outbound));
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> UnfollowAsync(string hostOrHandle, ClaimsPrincipal principal, AppDbContext db, LocalActors local, FollowService follows,
        CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage the instance's follows.");
        }

        var me = await local.InstanceActorAsync(ct);
        var follow = await FindAsync(db.ActorFollows.Include(f => f.Target).Where(f => f.FollowerId == me.Id), f => f.Target!, hostOrHandle, ct);
        if (follow is null)
        {
            return ApiProblem.NotFound("This instance does not follow that.");
        }

        await follows.UnfollowAsync(follow, me, follow.Target!, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> AnswerAsync(string handle, ClaimsPrincipal principal, AppDbContext db, LocalActors local, FollowService follows, bool accept,
        CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage the instance's followers.");
        }

        var follow = await FindAsync(db.ActorFollows.Include(f => f.Follower).Include(f => f.Target).Where(f => f.Target!.Host == null), f => f.Follower!, handle, ct);
        if (follow is null)
        {
            return ApiProblem.NotFound("No such follower.");
        }

        follow.State = accept ? FollowState.Accepted : FollowState.Rejected;
        follow.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        await follows.AnswerAsync(follow, follow.Follower!, follow.Target!, accept, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> RemoveFollowerAsync(string handle, ClaimsPrincipal principal, AppDbContext db, LocalActors local, FollowService follows,
        CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage the instance's followers.");
        }

        var follow = await FindAsync(db.ActorFollows.Include(f => f.Follower).Include(f => f.Target).Where(f => f.Target!.Host == null), f => f.Follower!, handle, ct);
        if (follow is null)
        {
            return ApiProblem.NotFound("No such follower.");
        }

        await follows.AnswerAsync(follow, follow.Follower!, follow.Target!, accept: false, ct);
        db.ActorFollows.Remove(follow);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>"host" matches the instance actor of that host (PeerTube's "peertube@host"); "name@host" a given actor.</summary>
    private static async Task<ActorFollow?> FindAsync(IQueryable<ActorFollow> follows, Func<ActorFollow, Actor> side, string hostOrHandle, CancellationToken ct)
    {
        var rows = await follows.ToListAsync(ct);
        var parts = hostOrHandle.TrimStart('@').Split('@');
        return parts is [var name, var host]
            ? rows.FirstOrDefault(f => side(f).PreferredUsername == name && string.Equals(side(f).Host, host, StringComparison.OrdinalIgnoreCase))
            : rows.FirstOrDefault(f => side(f).Type == ActorType.Application && string.Equals(side(f).Host, hostOrHandle, StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>PeerTube's ActorFollow: who follows whom, and whether it was accepted ("pending", "accepted", "rejected").</summary>
public sealed record FollowDto(
    int Id, FollowActorDto Follower, FollowActorDto Following, int Score, string State, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>PeerTube's Actor, as a follow shows either side.</summary>
public sealed record FollowActorDto(
    int Id, string Url, string Name, string DisplayName, string Host, bool? HostRedundancyAllowed, int FollowingCount, int FollowersCount,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, object[] Avatars);

/// <summary>Our instance actor follows a remote instance (by host) or channel (by handle): WebFinger, then Follow.</summary>
public sealed class InstanceFollowJob(RemoteActors actors, LocalActors local, FollowService follows)
{
    public async Task FollowAsync(string hostOrHandle, CancellationToken ct)
    {
        var target = hostOrHandle.Contains('@', StringComparison.Ordinal)
            ? await actors.ResolveHandleAsync(hostOrHandle, ct)
            : await actors.ResolveInstanceAsync(hostOrHandle, ct);
        if (target is null || target.IsLocal)
        {
            // Thrown so that Hangfire retries: the remote may be briefly down.
            throw new InvalidOperationException($"Could not resolve {hostOrHandle} to a remote actor.");
        }

        await follows.FollowAsync(await local.InstanceActorAsync(ct), target, ct);
    }
}
