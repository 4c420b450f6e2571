using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation.Outbound;
using PeerTube.Net.Server.Infrastructure.Data;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Processes one stored inbox activity, by id. Safe to run twice: a processed row is skipped, and every handler
/// upserts. An activity we cannot use is marked processed with the reason; a failure (a fetch, the database) throws,
/// so that Hangfire retries.
/// </summary>
[AutomaticRetry(Attempts = 5)]
public sealed partial class ProcessInboxActivityJob(
    AppDbContext db,
    RemoteActors actors,
    LocalActors local,
    RemoteVideos videos,
    Interactions interactions,
    FollowService follows,
    Redundancy.CacheFileInbox cacheFiles,
    NoteForwarding forwarding,
    Http.FederationHttpClient http,
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
        var host = signer.Host!;
        activity.TryProperty("object", out var obj);
        if (activity.Id("actor") != signer.Url)
        {
            return await forwarding.ReceiveAsync(activity, ct);
        }

        switch (activity.Type())
        {
            case "Follow":
                return await follows.ReceiveFollowAsync(activity, signer, ct);
            case "Accept":
                return await follows.ReceiveAnswerAsync(obj, signer, accepted: true, ct);
            case "Reject":
                return await follows.ReceiveAnswerAsync(obj, signer, accepted: false, ct);
            case "Undo":
                return obj.Type() switch
                {
                    "Follow" => await follows.ReceiveUndoAsync(obj, signer, ct),
                    "Like" or "Dislike" => await interactions.UndoRateAsync(obj, signer, ct),
                    "Announce" => null,
                    "CacheFile" => await cacheFiles.ReceiveAsync(obj, signer, undo: true, ct),
                    "Create" when obj.TryProperty("object", out var created) && created.Type() == "CacheFile" =>
                        await cacheFiles.ReceiveAsync(created, signer, undo: true, ct),
                    _ => "unsupported Undo",
                };
            case "Create" or "Update":
                return obj.Type() switch
                {
                    "Video" => await VideoAsync(obj, host, ct),
                    "Note" => await NoteAsync(activity, obj, signer, ct),
                    "Person" or "Group" or "Application" => await actors.GetAsync(signer.Url, refresh: true, ct) is null ? "actor refresh failed" : null,
                    "CacheFile" => await cacheFiles.ReceiveAsync(obj, signer, undo: false, ct),
                    _ => $"unsupported {activity.Type()} of {obj.Type() ?? "an id"}",
                };
            case "Announce":
                return await AnnounceAsync(obj, ct);
            case "Delete":
                return await DeleteAsync(activity, obj, signer, ct);
            case "Like":
                return await interactions.RateAsync(activity, signer, like: true, ct);
            case "Dislike":
                return await interactions.RateAsync(activity, signer, like: false, ct);
            case "View" when activity.TryProperty("expires", out _) || activity.TryProperty("expiration", out _):
                // PeerTube's viewer protocol: a View that expires reports how many watch right now (its live viewer
                // count), and its count is of viewers, not views. The view itself comes in a View of its own.
                return "a live viewer report, not a view (viewer counts are not kept)";
            case "View":
                return await interactions.ViewAsync(activity, signer, ct);
            case "Flag":
                return await interactions.FlagAsync(activity, signer, ct);
            default:
                return "unsupported activity";
        }
    }

    private async Task<string?> VideoAsync(JsonElement obj, string host, CancellationToken ct) =>
        await videos.UpsertAsync(obj, host, ct) is null ? "video refused" : null;

    /// <summary>A shared video: the object is fetched from its own origin, whatever the announcer embedded.</summary>
    private async Task<string?> AnnounceAsync(JsonElement obj, CancellationToken ct)
    {
        var url = ActivityJson.IdOf(obj);
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "announce without an object id";
        }

        if (await local.ByUrlAsync(url, ct) is not null || ActivityJson.HostOf(url) == ActivityJson.HostOf(local.SharedInbox))
        {
            return null; // Our own video, shared back to us.
        }

        var fetched = await http.GetActivityAsync(uri, LocalActors.SigningKey(await local.InstanceActorAsync(ct)), ct);
        if (!fetched.Ok || fetched.Document is null)
        {
            return $"could not fetch the announced object ({fetched.Error})";
        }

        using var doc = fetched.Document;
        var origin = ActivityJson.HostOf(fetched.FinalUrl.AbsoluteUri)!;
        return doc.RootElement.Type() == "Video" ? await VideoAsync(doc.RootElement, origin, ct) : "announced object is not a Video";
    }

    /// <summary>A comment; one on our video is passed on to the video's other followers.</summary>
    private async Task<string?> NoteAsync(JsonElement activity, JsonElement note, Actor signer, CancellationToken ct)
    {
        var error = await interactions.ReceiveNoteAsync(note, signer, ct);
        if (error is null && note.String("id") is { } url)
        {
            await forwarding.ForwardAsync(activity, url, signer.Host!, ct);
        }

        return error;
    }

    private async Task<string?> DeleteAsync(JsonElement activity, JsonElement obj, Actor signer, CancellationToken ct)
    {
        var host = signer.Host!;
        var url = ActivityJson.IdOf(obj);
        if (url is null)
        {
            return "delete without an object";
        }

        if (await videos.DeleteAsync(url, signer.Host!, ct))
        {
            return null;
        }

        // Deleted now, or by an earlier try of this job that failed before it forwarded the Delete.
        if (await interactions.DeleteNoteAsync(url, host, ct) || await interactions.IsDeletedNoteAsync(url, host, ct))
        {
            await forwarding.ForwardAsync(activity, url, host, ct);
            return null;
        }

        if (url == signer.Url)
        {
            await db.Actors.Where(a => a.Url == url).ExecuteDeleteAsync(ct);
            return null;
        }

        return "nothing to delete";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox activity {Type} {Id} not used: {Reason}")]
    private partial void LogIgnored(string type, string id, string reason);
}
