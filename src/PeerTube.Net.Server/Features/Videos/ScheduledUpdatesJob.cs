using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// PeerTube's scheduled publication (its update-videos-scheduler): a recurring Hangfire job, every minute, gives each
/// video whose <see cref="Video.ScheduledUpdateAt"/> has come the privacy it was scheduled to take, as an update of its
/// privacy does (new torrent salt, the PrivacyChanged event recorded in the same transaction, so followers hear of it
/// through the outbox). Safe to run twice and on several nodes at once: a video is claimed by clearing its schedule
/// where it still holds the date read, so only one run applies it and a second run finds nothing due.
/// </summary>
public sealed partial class ScheduledUpdatesJob(AppDbContext db, IVideoEvents events, TimeProvider clock, ILogger<ScheduledUpdatesJob> log)
{
    public const string RecurringId = "scheduled-video-updates";

    /// <summary>At most this many videos a run; the next run takes the rest.</summary>
    public const int BatchSize = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = await db.Videos.AsNoTracking().Where(v => v.ScheduledUpdateAt != null && v.ScheduledUpdateAt <= now)
            .OrderBy(v => v.ScheduledUpdateAt).Select(v => new { v.Id, v.ScheduledUpdateAt }).Take(BatchSize).ToListAsync(ct);
        foreach (var item in due)
        {
            await ApplyAsync(item.Id, item.ScheduledUpdateAt!.Value, now, ct);
        }
    }

    private async Task ApplyAsync(int videoId, DateTimeOffset scheduledAt, DateTimeOffset now, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var claimed = await db.Videos.Where(v => v.Id == videoId && v.ScheduledUpdateAt == scheduledAt)
            .ExecuteUpdateAsync(u => u.SetProperty(v => v.ScheduledUpdateAt, (DateTimeOffset?)null), ct);
        var video = claimed == 1 ? await db.Videos.FirstOrDefaultAsync(v => v.Id == videoId, ct) : null;
        if (video is null)
        {
            return;
        }

        var privacy = video.ScheduledPrivacy ?? VideoPrivacy.Public;
        video.ScheduledPrivacy = null;
        var change = VideoChange.Updated;
        if (video.Privacy != privacy)
        {
            // PeerTube dates the publication of a video leaving a confidential privacy to the moment it is shown.
            if (VideoUrls.IsPrivateLike(video) && !VideoUrls.IsPrivateLike(privacy))
            {
                video.PublishedAt = now;
            }

            if (video.Privacy == VideoPrivacy.PasswordProtected)
            {
                await VideoPasswords.RemoveAllAsync(db, video.Id, ct);
            }

            video.Privacy = privacy;
            video.ResaltTorrents();
            change |= VideoChange.PrivacyChanged;
        }

        video.UpdatedAt = now;
        events.Record(video.Id, change);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await events.RaiseRecordedAsync(ct);
        LogApplied(video.Id, privacy);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled update of video {VideoId} applied: now {Privacy}")]
    private partial void LogApplied(int videoId, VideoPrivacy privacy);
}

/// <summary>Registers <see cref="ScheduledUpdatesJob"/> with Hangfire at start (every minute; AddOrUpdate is idempotent across nodes).</summary>
internal sealed class ScheduledUpdatesRegistration(IRecurringJobManager recurring) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<ScheduledUpdatesJob>(ScheduledUpdatesJob.RecurringId, j => j.RunAsync(CancellationToken.None), Cron.Minutely());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
