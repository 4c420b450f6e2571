using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Keeps the inbox log bounded: received activities older than <see cref="FederationOptions.InboxLogRetentionHours"/>
/// are deleted, periodically. One DELETE with a cut-off, so running it twice, or on every node at once, is harmless.
/// </summary>
internal sealed class InboxLogCleanup(IServiceScopeFactory scopes, IOptions<FederationOptions> options, TimeProvider clock,
    ILogger<InboxLogCleanup> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.InboxLogCleanupIntervalSeconds), clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var deleted = await DeleteExpiredAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), options.Value, clock, stoppingToken);
                if (deleted > 0)
                {
                    log.LogInformation("Removed {Count} inbox activities older than {Hours} h", deleted, options.Value.InboxLogRetentionHours);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Trimming the inbox log failed; will try again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public static Task<int> DeleteExpiredAsync(AppDbContext db, FederationOptions options, TimeProvider clock, CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow().AddHours(-options.InboxLogRetentionHours);
        return db.InboxActivities.Where(a => a.ReceivedAt < cutoff).ExecuteDeleteAsync(ct);
    }
}
