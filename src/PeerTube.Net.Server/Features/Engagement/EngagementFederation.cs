using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>
/// Tells the right instances about our users' interactions: likes and comments go to the video's origin (or, on our own
/// videos, to their followers) as jobs that commit with the interaction; views of remote videos are counted here and
/// sent in batches.
/// </summary>
internal sealed class InteractionFederation(TransactionalJobs jobs) : IInteractionEvents
{
    public void Rated(int videoId, int accountId, string? previousUrl, bool? previousLike) =>
        jobs.Enqueue<FederateInteractionJob>(j => j.RateAsync(videoId, accountId, previousUrl, previousLike, CancellationToken.None),
            FederationQueues.Outbound);

    public void Commented(int commentId) =>
        jobs.Enqueue<FederateInteractionJob>(j => j.CommentAsync(commentId, CancellationToken.None), FederationQueues.Outbound);

    public void CommentDeleted(int commentId) =>
        jobs.Enqueue<FederateInteractionJob>(j => j.DeleteCommentAsync(commentId, CancellationToken.None), FederationQueues.Outbound);
}

/// <summary>Sends the batched views every <see cref="FederationOptions.ViewsBatchSeconds"/>, and what is left on shutdown.</summary>
public sealed partial class RemoteViewsSender(IServiceScopeFactory scopes, IOptions<FederationOptions> options,
    ILogger<RemoteViewsSender> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ViewsBatchSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: what is pending is sent below.
        }

        await FlushAsync(CancellationToken.None);
    }

    /// <summary>
    /// Takes each video's pending views (kept in its row, so a restart loses none) with a conditional UPDATE, so
    /// that two nodes never send the same views, and queues one View for them.
    /// </summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var job = scope.ServiceProvider.GetRequiredService<FederateInteractionJob>();
        var pending = await db.Videos.AsNoTracking().Where(v => v.PendingRemoteViews > 0)
            .OrderBy(v => v.Id).Take(1000).Select(v => new { v.Id, v.PendingRemoteViews }).ToListAsync(ct);
        foreach (var video in pending)
        {
            var seen = video.PendingRemoteViews;
            var count = (int)Math.Min(seen, Inbound.Interactions.MaxViewsPerActivity);
            var taken = await db.Videos.Where(v => v.Id == video.Id && v.PendingRemoteViews == seen)
                .ExecuteUpdateAsync(s => s.SetProperty(v => v.PendingRemoteViews, v => v.PendingRemoteViews - count), ct);
            if (taken == 0)
            {
                continue; // Another node took them, or more came in: the next flush sees the new count.
            }

            try
            {
                await job.ViewsAsync(video.Id, count, ct);
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException)
            {
                await db.Videos.Where(v => v.Id == video.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(v => v.PendingRemoteViews, v => v.PendingRemoteViews + count), ct);
                LogNotSent(video.Id, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Views of video {VideoId} not queued for its origin, kept for the next batch: {Reason}")]
    private partial void LogNotSent(int videoId, string reason);
}

/// <summary>Builds the activities for our users' interactions from what the database says now; safe to run twice.</summary>
public sealed class FederateInteractionJob(
    AppDbContext db, LocalActors local, VideoAudience audience, ActivityObjects objects, Outbox outbox)
{
    public async Task RateAsync(int videoId, int accountId, string? previousUrl, bool? previousLike, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().Include(v => v.Channel).FirstOrDefaultAsync(v => v.Id == videoId, ct);
        var actor = await local.ForAccountAsync(accountId, ct);
        if (video is null || actor is null || VideoUrls.IsPrivateLike(video))
        {
            return;
        }

        var videoUrl = objects.VideoUrl(video);
        var rate = await db.VideoRates.AsNoTracking().FirstOrDefaultAsync(r => r.VideoId == videoId && r.AccountId == accountId, ct);
        JsonObject activity;
        if (rate is not null)
        {
            // A like that replaces a dislike (or the reverse) is enough on its own: the receiver keeps one rate per account.
            activity = objects.Activity(rate.Like ? "Like" : "Dislike", rate.Url, actor.Url, JsonValue.Create(videoUrl), actor.FollowersUrl);
        }
        else if (previousUrl is not null)
        {
            var undone = objects.Activity(previousLike == false ? "Dislike" : "Like", previousUrl, actor.Url, JsonValue.Create(videoUrl), actor.FollowersUrl);
            undone.Remove("@context");
            activity = objects.Activity("Undo", previousUrl + "/undo", actor.Url, undone, actor.FollowersUrl);
        }
        else
        {
            return;
        }

        await outbox.SendAsync(actor, activity, await audience.InboxesAsync(video, ct), ct);
    }

    public async Task CommentAsync(int commentId, CancellationToken ct)
    {
        var comment = await db.VideoComments.AsNoTracking().Include(c => c.Video).Include(c => c.Account).Include(c => c.InReplyTo)
            .FirstOrDefaultAsync(c => c.Id == commentId, ct);
        if (comment?.Video is not { } video || comment.Account is not { IsLocal: true } author || comment.DeletedAt is not null
            || comment.HeldForReview || VideoUrls.IsPrivateLike(video))
        {
            return;
        }

        var actor = await local.ForAccountAsync(author.Id, ct);
        if (actor is null)
        {
            return;
        }

        var inboxes = await audience.InboxesAsync(video, ct);
        string? ownerFollowers = null;
        if (video.IsLocal)
        {
            ownerFollowers = (await audience.OfLocalAsync(video, ct)).Channel.FollowersUrl;
        }

        if (comment.InReplyTo is { } parent && await audience.InboxOfAccountAsync(parent.AccountId, ct) is { } parentInbox)
        {
            inboxes.Add(parentInbox);
        }

        var url = comment.Url ?? objects.CommentUrl(video, comment.Id);
        var note = objects.Note(video, url, comment.Text, actor.Url, comment.InReplyTo?.Url, comment.CreatedAt, ownerFollowers);
        var activity = objects.Activity("Create", url + "/activity", actor.Url, note, ownerFollowers, actor.FollowersUrl);
        await outbox.SendAsync(actor, activity, inboxes, ct);
    }

    public async Task DeleteCommentAsync(int commentId, CancellationToken ct)
    {
        var comment = await db.VideoComments.AsNoTracking().Include(c => c.Video).Include(c => c.Account).Include(c => c.InReplyTo)
            .FirstOrDefaultAsync(c => c.Id == commentId, ct);
        if (comment?.Video is not { } video || comment.Account is not { IsLocal: true } author || comment.Url is null)
        {
            return;
        }

        var actor = await local.ForAccountAsync(author.Id, ct);
        if (actor is null)
        {
            return;
        }

        var inboxes = await audience.InboxesAsync(video, ct);
        if (comment.InReplyTo is { } parent && await audience.InboxOfAccountAsync(parent.AccountId, ct) is { } parentInbox)
        {
            inboxes.Add(parentInbox);
        }

        var activity = objects.Activity("Delete", comment.Url + "/delete", actor.Url, JsonValue.Create(comment.Url), actor.FollowersUrl);
        await outbox.SendAsync(actor, activity, inboxes, ct);
    }

    /// <summary>
    /// One View for <paramref name="count"/> views counted here, from the instance, to a remote video's origin or to our
    /// video's followers (so that they show the count), with the count
    /// in <c>result.userInteractionCount</c>. No <c>expires</c>: PeerTube reads a View that has one as a live viewer.
    /// (PeerTube counts any View as one; ours read the count.)
    /// </summary>
    public async Task ViewsAsync(int videoId, int count, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().Include(v => v.Channel).FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is null || VideoUrls.IsPrivateLike(video))
        {
            return;
        }

        var instanceActor = await local.InstanceActorAsync(ct);
        var id = $"{instanceActor.Url}/views/videos/{videoId.ToString(CultureInfo.InvariantCulture)}/{Guid.NewGuid()}";
        var activity = objects.Activity("View", id, instanceActor.Url, JsonValue.Create(objects.VideoUrl(video)));
        activity["result"] = new JsonObject
        {
            ["type"] = "InteractionCounter",
            ["interactionType"] = "WatchAction",
            ["userInteractionCount"] = count,
        };
        await outbox.SendAsync(instanceActor, activity, await audience.InboxesAsync(video, ct), ct);
    }
}
