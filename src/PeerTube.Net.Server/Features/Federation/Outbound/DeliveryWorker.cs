using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>
/// Delivers queued activities: signed POSTs, retried with exponential backoff for <c>Federation:DeliveryGiveUpHours</c>.
/// A host that keeps failing for that long is marked dead and skipped; a success, or any signed message from it,
/// brings it back. Rows are leased, so several nodes can share the queue and a crash loses nothing.
/// </summary>
public sealed partial class DeliveryWorker(
    IServiceScopeFactory scopes,
    DeliverySignal signal,
    IOptionsMonitor<FederationOptions> options,
    IOptions<InstanceOptions> instance,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private readonly string _owner = $"{instance.Value.NodeId}:{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ReleaseEarlierLeasesAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var delivered = 0;
            try
            {
                delivered = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogLoopFailed(e);
            }

            if (delivered == 0)
            {
                try
                {
                    await signal.WaitAsync(TimeSpan.FromSeconds(Math.Min(1, options.CurrentValue.DeliveryRetryBaseSeconds)), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Deliveries this node had taken when it died are its to send again now, not when their lease runs out: the
    /// leases of this node's earlier runs (same node id, another run) are released. A Delete sent right before a crash
    /// then arrives right after the restart. Another node's leases are left alone.
    /// </summary>
    private async Task ReleaseEarlierLeasesAsync(CancellationToken ct)
    {
        var prefix = instance.Value.NodeId + ":";
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Deliveries
                .Where(d => d.State == DeliveryState.Pending && d.LeaseOwner != null && d.LeaseOwner.StartsWith(prefix) && d.LeaseOwner != _owner)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, (string?)null).SetProperty(d => d.LeaseExpiresAt, (DateTimeOffset?)null), ct);
        }
        catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            LogLoopFailed(e);
        }
    }

    /// <summary>Takes a batch of due deliveries and sends them. Returns how many were attempted.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var o = options.CurrentValue;
        var now = clock.GetUtcNow();
        List<long> ids;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var candidates = await db.Deliveries.AsNoTracking()
                .Where(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now))
                .OrderBy(d => d.NextAttemptAt).Select(d => d.Id).Take(o.DeliveryConcurrency * 4).ToListAsync(ct);
            ids = [];
            foreach (var id in candidates)
            {
                var taken = await db.Deliveries
                    .Where(d => d.Id == id && d.State == DeliveryState.Pending && (d.LeaseExpiresAt == null || d.LeaseExpiresAt < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseOwner, _owner).SetProperty(d => d.LeaseExpiresAt, now + Lease), ct);
                if (taken == 1)
                {
                    ids.Add(id);
                }
            }
        }

        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = o.DeliveryConcurrency, CancellationToken = ct },
            async (id, token) => await DeliverAsync(id, token));
        return ids.Count;
    }

    private async Task DeliverAsync(long id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var http = scope.ServiceProvider.GetRequiredService<FederationHttpClient>();
        var o = options.CurrentValue;
        var delivery = await db.Deliveries.Include(d => d.Sender).FirstOrDefaultAsync(d => d.Id == id && d.LeaseOwner == _owner, ct);
        if (delivery?.Sender?.PrivateKeyPem is null)
        {
            return;
        }

        var host = ActivityJson.HostOf(delivery.InboxUrl) ?? "";
        var now = clock.GetUtcNow();
        var unreachable = await db.UnreachableHosts.FirstOrDefaultAsync(h => h.Host == host, ct);
        if (unreachable is { Dead: true })
        {
            Finish(delivery, DeliveryState.Failed, "host marked dead");
            await db.SaveChangesAsync(ct);
            return;
        }

        var result = await http.PostActivityAsync(new Uri(delivery.InboxUrl), System.Text.Encoding.UTF8.GetBytes(delivery.ActivityJson),
            LocalActors.SigningKey(delivery.Sender), ct);
        delivery.Attempts++;
        now = clock.GetUtcNow();
        var giveUp = TimeSpan.FromHours(o.DeliveryGiveUpHours);
        if (result.Ok)
        {
            Finish(delivery, DeliveryState.Delivered, null);
        }
        else if (!result.Retryable || now - delivery.CreatedAt > giveUp)
        {
            Finish(delivery, DeliveryState.Failed, result.Error ?? $"HTTP {result.Status}");
        }
        else
        {
            var backoff = Math.Min(o.DeliveryMaxBackoffSeconds, o.DeliveryRetryBaseSeconds * Math.Pow(2, Math.Min(30, delivery.Attempts - 1)));
            delivery.NextAttemptAt = now + TimeSpan.FromSeconds(backoff);
            delivery.LastError = result.Error ?? $"HTTP {result.Status}";
            delivery.LeaseOwner = null;
            delivery.LeaseExpiresAt = null;
        }

        if (!result.Ok)
        {
            LogDeliveryFailed(delivery.InboxUrl, delivery.Attempts, delivery.LastError ?? result.Error);
        }

        await db.SaveChangesAsync(ct);

        // The host's health is bookkeeping beside the delivery: a race with a parallel delivery to the same host must
        // not undo the delivery's own state, so it is saved on its own.
        try
        {
            if (result.Ok && unreachable is not null)
            {
                await db.UnreachableHosts.Where(h => h.Host == host).ExecuteDeleteAsync(ct);
            }
            else if (!result.Ok && result.Retryable)
            {
                if (unreachable is null)
                {
                    db.UnreachableHosts.Add(new UnreachableHost { Host = host, FailingSince = now });
                    await db.SaveChangesAsync(ct);
                }
                else if (now - unreachable.FailingSince > giveUp)
                {
                    unreachable.Dead = true;
                    await db.SaveChangesAsync(ct);
                }
            }
        }
        catch (DbUpdateException e)
        {
            LogLoopFailed(e);
        }
    }

    private static void Finish(Delivery d, DeliveryState state, string? error)
    {
        d.State = state;
        d.LastError = error;
        d.LeaseOwner = null;
        d.LeaseExpiresAt = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery loop failed")]
    private partial void LogLoopFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery to {Inbox} failed (attempt {Attempts}): {Error}")]
    private partial void LogDeliveryFailed(string inbox, int attempts, string? error);
}
