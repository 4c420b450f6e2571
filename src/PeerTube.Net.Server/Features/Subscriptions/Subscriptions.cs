using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Subscriptions;

/// <summary>
/// A user's subscriptions to channels, PeerTube's way: an <see cref="ActorFollow"/> from the user's account actor to the
/// channel's actor. A local channel is followed at once (accepted); a remote one through the federation follow machinery
/// (Follow now, accepted when its Accept comes; Undo on unsubscribe), and its videos then come in like any followed
/// channel's.
/// </summary>
public sealed class ChannelSubscriptions(AppDbContext db, LocalActors local, FollowService follows, IBackgroundJobClient jobs,
    IOptions<InstanceOptions> instance, TimeProvider clock)
{
    /// <summary>"name@host" (or "name" for ours) split into the stored channel name and the host, null for ours.</summary>
    public (string Name, string? Host)? Parse(string? handle)
    {
        if (string.IsNullOrWhiteSpace(handle) || handle.Length > 400)
        {
            return null;
        }

        var parts = handle.Trim().TrimStart('@').Split('@');
        return parts switch
        {
            [{ Length: > 0 } name] => (name, null),
            [{ Length: > 0 } name, { Length: > 0 } host] when string.Equals(host, instance.Value.Host, StringComparison.OrdinalIgnoreCase) => (name, null),
            [{ Length: > 0 } name, { Length: > 0 } host] when Uri.CheckHostName(host.Split(':')[0]) != UriHostNameType.Unknown && !host.Contains('/', StringComparison.Ordinal) =>
                (name, host.ToLowerInvariant()),
            _ => null,
        };
    }

    /// <summary>The channel actors the account follows (accepted or pending), with their channel.</summary>
    public async Task<IQueryable<ActorFollow>> OfAsync(int accountId, CancellationToken ct)
    {
        var me = await local.ForAccountAsync(accountId, ct) ?? throw new InvalidOperationException($"Account {accountId} is not local.");
        return db.ActorFollows.Where(f => f.FollowerId == me.Id && f.Target!.Type == ActorType.Group && f.State != FollowState.Rejected);
    }

    /// <summary>Subscribes; false when there is no such local channel. A remote channel not known yet is resolved by a job.</summary>
    public async Task<bool> SubscribeAsync(int accountId, string name, string? host, CancellationToken ct)
    {
        var me = await local.ForAccountAsync(accountId, ct) ?? throw new InvalidOperationException($"Account {accountId} is not local.");
        if (host is null)
        {
            var channel = await local.ForChannelAsync(name, ct);
            if (channel is null)
            {
                return false;
            }

            if (!await db.ActorFollows.AnyAsync(f => f.FollowerId == me.Id && f.TargetId == channel.Id, ct))
            {
                var now = clock.GetUtcNow();
                db.ActorFollows.Add(new ActorFollow
                {
                    FollowerId = me.Id, TargetId = channel.Id, State = FollowState.Accepted, ActivityUrl = $"{me.Url}/follows/{channel.Id}",
                    CreatedAt = now, UpdatedAt = now,
                });
                await db.SaveChangesAsync(ct);
            }

            return true;
        }

        var known = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.PreferredUsername == name && a.Host == host && a.Type == ActorType.Group, ct);
        if (known is not null)
        {
            await follows.FollowAsync(me, known, ct);
        }
        else
        {
            // Finding it needs the network (WebFinger): never inside a request.
            jobs.Create<SubscribeJob>(j => j.RunAsync(accountId, $"{name}@{host}", CancellationToken.None),
                new Hangfire.States.EnqueuedState(FederationQueues.Outbound));
        }

        return true;
    }

    /// <summary>Unsubscribes: an Undo for a remote channel, in the same transaction as the row's removal. False when not subscribed.</summary>
    public async Task<bool> UnsubscribeAsync(int accountId, string name, string? host, CancellationToken ct)
    {
        var me = await local.ForAccountAsync(accountId, ct) ?? throw new InvalidOperationException($"Account {accountId} is not local.");
        var follow = await db.ActorFollows.Include(f => f.Target)
            .FirstOrDefaultAsync(f => f.FollowerId == me.Id && f.Target!.Type == ActorType.Group && f.Target.PreferredUsername == name && f.Target.Host == host, ct);
        if (follow is null)
        {
            return false;
        }

        if (host is null)
        {
            db.ActorFollows.Remove(follow);
            await db.SaveChangesAsync(ct);
        }
        else
        {
            await follows.UnfollowAsync(follow, me, follow.Target!, ct);
        }

        return true;
    }
}

/// <summary>Resolves a remote channel's handle (WebFinger) and follows it from the user's account actor; safe to run twice.</summary>
public sealed class SubscribeJob(RemoteActors actors, LocalActors local, FollowService follows)
{
    public async Task RunAsync(int accountId, string handle, CancellationToken ct)
    {
        var me = await local.ForAccountAsync(accountId, ct);
        if (me is null)
        {
            return; // the user is gone
        }

        var target = await actors.ResolveHandleAsync(handle, ct);
        if (target is null || target.IsLocal || target.Type != ActorType.Group)
        {
            // Thrown so that Hangfire retries: the remote may be briefly down.
            throw new InvalidOperationException($"Could not resolve {handle} to a remote channel.");
        }

        await follows.FollowAsync(me, target, ct);
    }
}
