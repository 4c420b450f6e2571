using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Processes one stored inbox activity, by id: finds its signer and routes it to the handlers registered for its type
/// (<see cref="IActivityHandler"/>), or, when someone else's words are passed on, to the forwarded-activity handlers.
/// Safe to run twice: a processed row is skipped, and every handler upserts. An activity we cannot use is marked
/// processed with the reason; a failure (a fetch, the database) throws, so that Hangfire retries.
/// </summary>
[AutomaticRetry(Attempts = 5)]
public sealed partial class ProcessInboxActivityJob(
    AppDbContext db,
    IEnumerable<IActivityHandler> handlers,
    IEnumerable<IForwardedActivityHandler> forwardedHandlers,
    TimeProvider clock,
    ILogger<ProcessInboxActivityJob> logger)
{
    public async Task RunAsync(long inboxActivityId, CancellationToken ct)
    {
        var row = await db.InboxActivities.FirstOrDefaultAsync(a => a.Id == inboxActivityId, ct);
        if (row is null || row.ProcessedAt is not null)
        {
            return;
        }

        var signer = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.Url == row.ActorUrl, ct);
        using var doc = JsonDocument.Parse(row.Json);
        string? error;
        try
        {
            error = signer is null ? "unknown signer" : await DispatchAsync(doc.RootElement, signer, ct);
        }
        catch (DbUpdateException)
        {
            // Two activities about one object processed at once (a Create and its Update, delivered together) race to
            // insert it; the loser runs again now, as an update of what the winner stored, instead of waiting for a retry.
            db.ChangeTracker.Clear();
            row = await db.InboxActivities.FirstAsync(a => a.Id == inboxActivityId, ct);
            error = await DispatchAsync(doc.RootElement, signer!, ct);
        }

        row.ProcessedAt = clock.GetUtcNow();
        row.Error = error;
        await db.SaveChangesAsync(ct);
        if (error is not null)
        {
            LogIgnored(row.Type, row.ActivityId, error);
        }
    }

    /// <returns>Null when done, or why the activity was not used.</returns>
    private async Task<string?> DispatchAsync(JsonElement activity, Actor signer, CancellationToken ct)
    {
        if (activity.Id("actor") != signer.Url)
        {
            foreach (var handler in forwardedHandlers)
            {
                var forwarded = await handler.HandleAsync(activity, ct);
                if (!forwarded.Passed)
                {
                    return forwarded.Reason;
                }
            }

            return "a forwarded activity of a kind we do not take";
        }

        var type = activity.Type() ?? "";
        activity.TryProperty("object", out var obj);
        var objectType = obj.ValueKind == JsonValueKind.Object ? obj.Type() : null;
        var inbound = new InboundActivity(activity, obj, signer);
        foreach (var handler in handlers.Where(h => h.Handles(type, objectType)))
        {
            var result = await handler.HandleAsync(inbound, ct);
            if (!result.Passed)
            {
                return result.Reason;
            }
        }

        return type switch
        {
            "Delete" => "nothing to delete",
            "Create" or "Update" or "Undo" => $"unsupported {type} of {objectType ?? "an id"}",
            _ => "unsupported activity",
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox activity {Type} {Id} not used: {Reason}")]
    private partial void LogIgnored(string type, string id, string reason);
}
