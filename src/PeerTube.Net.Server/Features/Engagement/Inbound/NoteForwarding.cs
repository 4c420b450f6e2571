using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Features.Federation.Outbound;

using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Engagement.Inbound;

/// <summary>
/// Comments between instances that do not follow each other, as PeerTube's forwardVideoRelatedActivity does it. The
/// origin of a video passes on what it receives about a comment on it (Create, Update, Delete of a Note) to the video's
/// followers, so that every instance that has the video sees its comments, whoever wrote them where.
/// </summary>
/// <remarks>
/// A forward is signed by the origin, not by the note's author, and we check no JSON-LD signatures, so a receiver
/// trusts nothing in it but the note's id: it fetches the note from its own host (a Create or Update) or checks that
/// it is gone there (a Delete). A forged forward can make us fetch a URL (through the same guarded client as every
/// fetch), never store what the forger wrote.
/// </remarks>
public sealed class NoteForwarding(
    AppDbContext db,
    VideoAudience audience,
    LocalActors local,
    Outbox outbox,
    RemoteActors actors,
    Interactions interactions,
    FederationHttpClient http)
{
    /// <summary>On the origin: passes the activity about the note on to the followers of its video, if the video is ours.</summary>
    /// <returns>How many inboxes it was queued for.</returns>
    public async Task<int> ForwardAsync(JsonElement activity, string noteUrl, string authorHost, CancellationToken ct)
    {
        // A held comment (policy 3) goes nowhere until approved.
        var videoId = await db.VideoComments.AsNoTracking().Where(c => c.Url == noteUrl && !c.HeldForReview).Select(c => (int?)c.VideoId).FirstOrDefaultAsync(ct);
        var video = videoId is null ? null : await db.Videos.Include(v => v.Channel).FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is null || !video.IsLocal || VideoUrls.IsPrivateLike(video))
        {
            return 0;
        }

        var (_, _, inboxes) = await audience.OfLocalAsync(video, ct);
        var others = inboxes.Where(i => ActivityJson.HostOf(i) != authorHost).ToList();
        if (others.Count == 0)
        {
            return 0;
        }

        var forwarded = JsonNode.Parse(activity.GetRawText())!.AsObject();
        return await outbox.SendAsync(await local.InstanceActorAsync(ct), forwarded, others, ct);
    }

    /// <summary>On a receiver: an activity whose actor is not its signer, used only as a pointer to the note it names.</summary>
    /// <returns>Null when done, or why the activity was not used.</returns>
    public async Task<string?> ReceiveAsync(JsonElement activity, CancellationToken ct)
    {
        activity.TryProperty("object", out var obj);
        var url = ActivityJson.IdOf(obj);
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return "forwarded activity without an object id";
        }

        if (ActivityJson.HostOf(url) == ActivityJson.HostOf(local.SharedInbox))
        {
            return null; // About one of our own comments: we know it already.
        }

        var fetched = await http.GetActivityAsync(uri, LocalActors.SigningKey(await local.InstanceActorAsync(ct)), ct);
        using var doc = fetched.Document;
        if (fetched.Status >= 500)
        {
            // The author's instance is failing: throw, so that the job is tried again later. (No answer at all, status
            // 0, is also what a refused address gets: that one is not retried.)
            throw new HttpRequestException($"Could not fetch the forwarded note {url}: {fetched.Error ?? "HTTP " + fetched.Status}");
        }

        if (!ActivityJson.SameHost(fetched.FinalUrl.AbsoluteUri, url))
        {
            return "the forwarded note's host sent us elsewhere";
        }

        switch (activity.Type())
        {
            case "Create" or "Update":
                if (!fetched.Ok || doc is null)
                {
                    return $"could not fetch the forwarded note ({fetched.Error})";
                }

                var note = doc.RootElement;
                if (note.Type() != "Note")
                {
                    return "forwarded object is not a Note";
                }

                if (note.String("id") is not { } id || id != url || !ActivityJson.SameHost(id, fetched.FinalUrl.AbsoluteUri))
                {
                    return "the fetched note is not the one forwarded";
                }

                var author = note.Id("attributedTo") is { } authorUrl && ActivityJson.SameHost(authorUrl, id)
                    ? await actors.GetAsync(authorUrl, refresh: false, ct)
                    : null;
                return author is null ? "the forwarded note's author cannot be fetched" : await interactions.ReceiveNoteAsync(note, author, ct);
            case "Delete":
                var gone = fetched.Status is 404 or 410 || (doc is not null && doc.RootElement.Type() == "Tombstone");
                if (!gone)
                {
                    return "forwarded delete of a note that is still there";
                }

                return await interactions.DeleteNoteAsync(url, ActivityJson.HostOf(url)!, ct) ? null : "nothing to delete";
            default:
                return "only comments are taken forwarded";
        }
    }
}
