using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>
/// A report made here about another instance's content is sent there, as a job queued in the report's unit of work
/// (call before its commit).
/// </summary>
public sealed class AbuseFederation(TransactionalJobs jobs)
{
    public void Reported(int abuseId) =>
        jobs.Enqueue<FederateFlagJob>(j => j.FlagAsync(abuseId, CancellationToken.None), FederationQueues.Outbound);
}

/// <summary>Builds the Flag from what the database says now; safe to run twice.</summary>
public sealed class FederateFlagJob(AppDbContext db, LocalActors local, VideoAudience audience, ActivityObjects objects, Outbox outbox)
{
    /// <summary>
    /// PeerTube's Flag, from the reporter's account to the flagged account's instance, when that is not us: the report's
    /// reason as content, the predefined reasons as hashtags, the flagged video, comment or account as object.
    /// </summary>
    public async Task FlagAsync(int abuseId, CancellationToken ct)
    {
        var abuse = await db.Abuses.AsNoTracking().Include(a => a.Video).Include(a => a.Comment).Include(a => a.FlaggedAccount)
            .FirstOrDefaultAsync(a => a.Id == abuseId && a.RemoteUrl == null, ct);
        if (abuse?.FlaggedAccount is not { IsLocal: false } flagged || abuse.ReporterAccountId is not { } reporterId)
        {
            return;
        }

        var reporter = await local.ForAccountAsync(reporterId, ct);
        var inbox = await audience.InboxOfAccountAsync(flagged.Id, ct);
        var flaggedUrl = flagged.RemoteUrl;
        if (reporter is null || inbox is null || flaggedUrl is null)
        {
            return;
        }

        var objectUrl = abuse.Video is { } v ? objects.VideoUrl(v) : abuse.Comment?.Url ?? flaggedUrl;
        var tags = new JsonArray();
        foreach (var reason in abuse.PredefinedReasons.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            tags.Add(new JsonObject { ["type"] = "Hashtag", ["name"] = reason });
        }

        var activity = objects.Activity("Flag", objects.AbuseUrl(abuse.Id), reporter.Url, new JsonArray(objectUrl));
        activity["to"] = new JsonArray(flaggedUrl);
        activity.Remove("cc");
        activity["content"] = abuse.Reason;
        activity["mediaType"] = "text/markdown";
        activity["tag"] = tags;
        activity["startAt"] = abuse.StartAt;
        activity["endAt"] = abuse.EndAt;
        await outbox.SendAsync(reporter, activity, [inbox], ct);
    }
}
