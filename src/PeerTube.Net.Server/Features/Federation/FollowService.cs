using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>Follow, Accept, Reject and Undo(Follow), both ways (PeerTube's ActorFollow).</summary>
public sealed class FollowService(
    AppDbContext db,
    LocalActors local,
    ActivityObjects objects,
    Outbox outbox,
    IOptionsMonitor<FederationOptions> options,
    IBackgroundJobClient jobs,
    TimeProvider clock)
{
    // ---- Someone follows one of ours.

    public async Task<string?> ReceiveFollowAsync(JsonElement activity, Actor follower, CancellationToken ct)
    {
        var targetUrl = activity.Id("object");
        var target = targetUrl is null ? null : await local.ByUrlAsync(targetUrl, ct);
        if (target is null)
        {
            return "the followed actor is not ours";
        }

        var follow = await db.ActorFollows.FirstOrDefaultAsync(f => f.FollowerId == follower.Id && f.TargetId == target.Id, ct);
        var now = clock.GetUtcNow();
        if (follow is null)
        {
            follow = new ActorFollow
            {
                FollowerId = follower.Id, TargetId = target.Id, ActivityUrl = activity.String("id") ?? $"{follower.Url}/follows/{target.Id}",
                State = options.CurrentValue.AutoAcceptFollowers ? FollowState.Accepted : FollowState.Pending, CreatedAt = now,
            };
            db.ActorFollows.Add(follow);
        }
        else
        {
            follow.ActivityUrl = activity.String("id") ?? follow.ActivityUrl;
            if (follow.State == FollowState.Rejected && options.CurrentValue.AutoAcceptFollowers)
            {
                follow.State = FollowState.Accepted;
            }
        }

        follow.UpdatedAt = now;
        await db.SaveChangesAsync(ct);
        if (follow.State != FollowState.Pending)
        {
            await AnswerAsync(follow, follower, target, follow.State == FollowState.Accepted, ct);
        }

        return null;
    }

    /// <summary>Accept or Reject, sent by the followed actor to the follower.</summary>
    public async Task AnswerAsync(ActorFollow follow, Actor follower, Actor target, bool accept, CancellationToken ct)
    {
        var followObject = new JsonObject
        {
            ["type"] = "Follow", ["id"] = follow.ActivityUrl, ["actor"] = follower.Url, ["object"] = target.Url,
        };
        var type = accept ? "Accept" : "Reject";
        var activity = objects.Activity(type, $"{target.Url}/{type.ToLowerInvariant()}s/follows/{follow.Id}", target.Url, followObject);
        await outbox.SendAsync(target, activity, [follower.InboxUrl], ct);
    }

    public async Task<string?> ReceiveUndoAsync(JsonElement followObject, Actor follower, CancellationToken ct)
    {
        var id = ActivityJson.IdOf(followObject);
        var targetUrl = followObject.Id("object");
        var target = targetUrl is null ? null : await local.ByUrlAsync(targetUrl, ct);
        var removed = await db.ActorFollows
            .Where(f => f.FollowerId == follower.Id && (f.ActivityUrl == id || (target != null && f.TargetId == target.Id)))
            .ExecuteDeleteAsync(ct);
        return removed > 0 ? null : "no such follow";
    }

    // ---- One of ours follows someone.

    /// <summary>The follow row and its Follow activity commit together.</summary>
    public async Task<ActorFollow> FollowAsync(Actor follower, Actor target, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var follow = await db.ActorFollows.FirstOrDefaultAsync(f => f.FollowerId == follower.Id && f.TargetId == target.Id, ct);
        var now = clock.GetUtcNow();
        if (follow is null)
        {
            follow = new ActorFollow
            {
                FollowerId = follower.Id, TargetId = target.Id, ActivityUrl = $"{follower.Url}/follows/{target.Id}", State = FollowState.Pending,
                CreatedAt = now, UpdatedAt = now,
            };
            db.ActorFollows.Add(follow);
            await db.SaveChangesAsync(ct);
        }
        else if (follow.State == FollowState.Accepted)
        {
            return follow;
        }

        var activity = objects.Activity("Follow", follow.ActivityUrl, follower.Url, JsonValue.Create(target.Url));
        await outbox.SendAsync(follower, activity, [target.InboxUrl], ct);
        await transaction.CommitAsync(ct);
        return follow;
    }

    /// <summary>The Undo and the row's removal commit together.</summary>
    public async Task UnfollowAsync(ActorFollow follow, Actor follower, Actor target, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var followObject = new JsonObject { ["type"] = "Follow", ["id"] = follow.ActivityUrl, ["actor"] = follower.Url, ["object"] = target.Url };
        var undo = objects.Activity("Undo", follow.ActivityUrl + "/undo", follower.Url, followObject);
        await outbox.SendAsync(follower, undo, [target.InboxUrl], ct);
        await db.ActorFollows.Where(f => f.Id == follow.Id).ExecuteDeleteAsync(ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>The followed actor answered one of our follows; on Accept, its back catalogue is fetched.</summary>
    public async Task<string?> ReceiveAnswerAsync(JsonElement followObject, Actor target, bool accepted, CancellationToken ct)
    {
        var id = ActivityJson.IdOf(followObject);
        var followerUrl = followObject.ValueKind == JsonValueKind.Object ? followObject.Id("actor") : null;
        var follower = followerUrl is null ? null : await local.ByUrlAsync(followerUrl, ct);
        var follow = await db.ActorFollows.FirstOrDefaultAsync(f => f.TargetId == target.Id
                                                                    && (f.ActivityUrl == id || (follower != null && f.FollowerId == follower.Id)), ct);
        if (follow is null)
        {
            return "no such follow";
        }

        follow.State = accepted ? FollowState.Accepted : FollowState.Rejected;
        follow.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        if (accepted)
        {
            jobs.Create<FetchOutboxJob>(j => j.RunAsync(target.Id, CancellationToken.None), new Hangfire.States.EnqueuedState(FederationQueues.Outbound));
        }

        return null;
    }
}
