using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Engagement.Inbound;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>Flag: another instance reports something of ours to our moderators.</summary>
internal sealed class FlagHandler(AppDbContext db, ActivityVideos videos, Interactions comments, TimeProvider clock) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Flag";

    /// <summary>
    /// A report (Flag) about one of our videos, comments or accounts, kept for our moderators. The object is a URL or a
    /// list of them (PeerTube's shape); the reporter is the signer. A Flag about something not ours is not kept.
    /// </summary>
    public async Task<ActivityResult> HandleAsync(InboundActivity inbound, CancellationToken ct)
    {
        var (activity, signer) = (inbound.Json, inbound.Signer);
        var id = activity.String("id");
        if (id is null || !ActivityJson.SameHost(id, signer.Url))
        {
            return ActivityResult.Ignored("a flag needs an id on its signer's host");
        }

        if (await db.Abuses.AnyAsync(a => a.RemoteUrl == id, ct))
        {
            return ActivityResult.Done;
        }

        var targets = activity.TryProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Array
            ? obj.EnumerateArray().Select(ActivityJson.IdOf).OfType<string>().ToList()
            : [ActivityJson.IdOf(obj)!];
        var now = clock.GetUtcNow();
        var reason = (activity.String("content") ?? "").Trim();
        var abuse = new Abuse
        {
            Reason = reason.Length > 3000 ? reason[..3000] : reason, RemoteUrl = id, ReporterAccountId = signer.AccountId, CreatedAt = now, UpdatedAt = now,
            PredefinedReasons = string.Join(',', activity.Items("tag").Select(t => t.String("name")).OfType<string>()
                .Where(AbusesApi.PredefinedReasons.Contains).Distinct()),
            StartAt = activity.Int("startAt"), EndAt = activity.Int("endAt"),
        };
        foreach (var target in targets.Where(t => t is not null))
        {
            if (await videos.ByUrlAsync(target, ct) is { IsLocal: true } video)
            {
                abuse.VideoId = video.Id;
                abuse.FlaggedAccountId = await db.VideoChannels.Where(c => c.Id == video.ChannelId).Select(c => c.AccountId).FirstAsync(ct);
                break;
            }

            if (await comments.LocalCommentAsync(target, ct) is { } comment)
            {
                abuse.CommentId = comment.Id;
                abuse.FlaggedAccountId = comment.AccountId;
                break;
            }

            if (await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.Url == target && a.Host == null && a.AccountId != null, ct) is { } actor)
            {
                abuse.FlaggedAccountId = actor.AccountId!.Value;
                break;
            }
        }

        if (abuse.FlaggedAccountId == 0)
        {
            return ActivityResult.Ignored("the flag is about nothing of ours");
        }

        db.Abuses.Add(abuse);
        await db.SaveChangesAsync(ct);
        return ActivityResult.Done;
    }
}
