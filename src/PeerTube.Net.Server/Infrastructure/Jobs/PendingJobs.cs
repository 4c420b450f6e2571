using System.Linq.Expressions;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PeerTube.Net.Server.Infrastructure.Data;

namespace PeerTube.Net.Server.Infrastructure.Jobs;

/// <summary>
/// A Hangfire job written as a row of the app's database, so that it commits with the change that calls for it, or
/// not at all (a transactional outbox). <see cref="PendingJobDispatcher"/> hands due rows to Hangfire.
/// </summary>
public sealed class PendingJob
{
    public long Id { get; set; }

    public required string Queue { get; set; }

    public required string Type { get; set; }

    public required string Method { get; set; }

    public required string ParameterTypes { get; set; }

    public required string Arguments { get; set; }

    /// <summary>When the dispatcher may take it: now, or later when the writer means to run the work itself first.</summary>
    public DateTimeOffset DueAt { get; set; }
}

internal sealed class PendingJobConfiguration : IEntityTypeConfiguration<PendingJob>
{
    public void Configure(EntityTypeBuilder<PendingJob> e)
    {
        e.ToTable("PendingJobs");
        e.HasIndex(j => j.DueAt);
    }
}

public static class PendingJobSets
{
    extension(AppDbContext db)
    {
        public DbSet<PendingJob> PendingJobs => db.Set<PendingJob>();
    }
}

/// <summary>
/// Queues jobs in the caller's unit of work: call before the <c>SaveChangesAsync</c> (or inside the transaction) that
/// makes the change the job announces. Jobs are expressed as with Hangfire, ids and values only, and must be idempotent:
/// a crash between the hand-over and the row's removal runs one twice.
/// </summary>
public sealed class TransactionalJobs(AppDbContext db, TimeProvider clock)
{
    /// <summary>Enqueued on <paramref name="queue"/> once committed.</summary>
    public PendingJob Enqueue<TJob>(Expression<Func<TJob, Task>> call, string queue) => Add(Job.FromExpression(call), queue, TimeSpan.Zero);

    /// <summary>
    /// A fallback: enqueued only if still there after <paramref name="grace"/>, for work the writer means to do itself
    /// right after the commit (and then <see cref="Forget"/>s); a crash in between leaves the row, and the job runs.
    /// </summary>
    public PendingJob Fallback<TJob>(Expression<Func<TJob, Task>> call, string queue, TimeSpan grace) =>
        Add(Job.FromExpression(call), queue, grace);

    /// <summary>The writer did the work itself: the fallback is not needed.</summary>
    public Task ForgetAsync(PendingJob job, CancellationToken ct) =>
        db.PendingJobs.Where(j => j.Id == job.Id).ExecuteDeleteAsync(ct);

    private PendingJob Add(Job job, string queue, TimeSpan delay)
    {
        var data = InvocationData.SerializeJob(job);
        var row = new PendingJob
        {
            Queue = queue,
            Type = data.Type,
            Method = data.Method,
            ParameterTypes = data.ParameterTypes,
            Arguments = data.Arguments,
            DueAt = clock.GetUtcNow() + delay,
        };
        db.PendingJobs.Add(row);
        return row;
    }
}

/// <summary>
/// Hands committed <see cref="PendingJob"/>s to Hangfire. Each row is taken in a transaction that deletes it and
/// enqueues its job: a crash before the commit leaves the row (and perhaps a job that then runs twice, which jobs
/// allow); two nodes never both take one row, the delete decides.
/// </summary>
internal sealed partial class PendingJobDispatcher(IServiceScopeFactory scopes, TimeProvider clock, ILogger<PendingJobDispatcher> log)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var taken = 0;
            try
            {
                taken = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogFailed(e);
            }

            if (taken == 0)
            {
                try
                {
                    await Task.Delay(Poll, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Hands every due row to Hangfire; returns how many it took.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var client = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
        var now = clock.GetUtcNow();
        var due = await db.PendingJobs.AsNoTracking().Where(j => j.DueAt <= now).OrderBy(j => j.Id).Take(100).ToListAsync(ct);
        var taken = 0;
        foreach (var row in due)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (await db.PendingJobs.Where(j => j.Id == row.Id).ExecuteDeleteAsync(ct) == 0)
            {
                continue; // Another node took it.
            }

            Job job;
            try
            {
                job = new InvocationData(row.Type, row.Method, row.ParameterTypes, row.Arguments).DeserializeJob();
            }
            catch (JobLoadException e)
            {
                // A job of a version that no longer exists: nothing can run it.
                LogUnloadable(e, row.Id, row.Type, row.Method);
                await transaction.CommitAsync(ct);
                continue;
            }

            client.Create(job, new EnqueuedState(row.Queue));
            await transaction.CommitAsync(ct);
            taken++;
        }

        return taken;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing pending jobs to Hangfire failed; retrying")]
    private partial void LogFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pending job {Id} ({Type}.{Method}) cannot be loaded and is dropped")]
    private partial void LogUnloadable(Exception e, long id, string type, string method);
}
