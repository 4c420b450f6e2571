using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>
/// Queues an activity for delivery: one row per distinct inbox, so that a shared inbox followed by many actors of one
/// instance gets one POST. Nothing is sent here; <see cref="DeliveryWorker"/> does that, with retries.
/// </summary>
public sealed class Outbox(AppDbContext db, DeliverySignal signal, TimeProvider clock)
{
    /// <summary>The inboxes of every remote actor that follows one of <paramref name="targetActorIds"/>, shared inboxes first.</summary>
    public async Task<List<string>> FollowerInboxesAsync(IReadOnlyCollection<int> targetActorIds, CancellationToken ct) =>
        await db.ActorFollows.AsNoTracking()
            .Where(f => targetActorIds.Contains(f.TargetId) && f.State == FollowState.Accepted && f.Follower!.Host != null)
            .Select(f => f.Follower!.SharedInboxUrl ?? f.Follower.InboxUrl)
            .Distinct()
            .ToListAsync(ct);

    public async Task<int> SendAsync(Actor sender, JsonObject activity, IEnumerable<string> inboxes, CancellationToken ct)
    {
        var json = activity.ToJsonString(ActivityJson.Options);
        var now = clock.GetUtcNow();
        var distinct = inboxes.Where(i => Uri.TryCreate(i, UriKind.Absolute, out _)).Distinct(StringComparer.Ordinal).ToList();
        foreach (var inbox in distinct)
        {
            db.Deliveries.Add(new Delivery
            {
                SenderActorId = sender.Id,
                InboxUrl = inbox,
                ActivityJson = json,
                State = DeliveryState.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }

        await db.SaveChangesAsync(ct);
        if (distinct.Count > 0)
        {
            signal.Wake();
        }

        return distinct.Count;
    }
}

/// <summary>Wakes the delivery worker when new deliveries are queued, so they don't wait for its next poll.</summary>
public sealed class DeliverySignal
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already awake.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _wake.WaitAsync(timeout, ct);
}
