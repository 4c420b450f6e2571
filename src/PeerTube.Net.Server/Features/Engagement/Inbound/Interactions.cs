using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Engagement.Inbound;

/// <summary>Likes, dislikes, views and comments that other instances send about videos.</summary>
public sealed class Interactions(AppDbContext db, CommentScreening screening, RemoteActors actors, ActivityVideos videos, VideoTrust trust, Markdown markdown, IOptions<InstanceOptions> instance,
    IOptionsMonitor<FederationOptions> federation, TimeProvider clock)
{
    /// <summary>Our private and internal videos are nobody else's business: no rates, views or comments from outside.</summary>
    private const string NotPublic = "the video is private or internal";

    private static bool Closed(Video video) => video.IsLocal && VideoUrls.IsPrivateLike(video);

    /// <summary>Largest view count one batched View may carry.</summary>
    public const int MaxViewsPerActivity = 10_000;

    public async Task<string?> RateAsync(JsonElement activity, Actor signer, bool like, CancellationToken ct)
    {
        var video = await videos.ByUrlAsync(activity.Id("object"), ct);
        if (video is null || signer.AccountId is not { } accountId)
        {
            return video is null ? "unknown video" : "only accounts rate videos";
        }

        if (Closed(video))
        {
            return NotPublic;
        }

        var url = activity.String("id") ?? $"{signer.Url}/{(like ? "likes" : "dislikes")}/{video.Id}";
        var rate = await db.VideoRates.FirstOrDefaultAsync(r => r.VideoId == video.Id && r.AccountId == accountId, ct);
        if (rate is null)
        {
            db.VideoRates.Add(new VideoRate { VideoId = video.Id, AccountId = accountId, Like = like, Url = url, CreatedAt = clock.GetUtcNow() });
        }
        else
        {
            rate.Like = like;
            rate.Url = url;
        }

        await db.SaveChangesAsync(ct);
        await RecountAsync(video.Id, ct);
        return null;
    }

    public async Task<string?> UndoRateAsync(JsonElement rateObject, Actor signer, CancellationToken ct)
    {
        var id = ActivityJson.IdOf(rateObject);
        var video = await videos.ByUrlAsync(rateObject.ValueKind == JsonValueKind.Object ? rateObject.Id("object") : null, ct);
        // Only the rate undone: an Undo(Like) that arrives after the Dislike that replaced the like leaves the dislike.
        var like = rateObject.Type() != "Dislike";
        var matching = db.VideoRates.Where(r => r.AccountId == signer.AccountId
                                                && (r.Url == id || (video != null && r.VideoId == video.Id && r.Like == like)));
        var removed = await matching.Select(r => r.VideoId).ToListAsync(ct);
        await matching.ExecuteDeleteAsync(ct);
        foreach (var videoId in removed.Distinct())
        {
            await RecountAsync(videoId, ct);
        }

        return removed.Count > 0 ? null : "no such rate";
    }

    public Task RecountAsync(int videoId, CancellationToken ct) =>
        db.Videos.Where(v => v.Id == videoId).ExecuteUpdateAsync(s => s
            .SetProperty(v => v.Likes, v => db.Set<VideoRate>().Count(r => r.VideoId == videoId && r.Like))
            .SetProperty(v => v.Dislikes, v => db.Set<VideoRate>().Count(r => r.VideoId == videoId && !r.Like)), ct);

    /// <summary>
    /// A View of one of our videos, or of a remote one from its origin (its count, passed on). Ours batch views (one View per video per interval) and say how many in
    /// <c>result.userInteractionCount</c>; PeerTube sends one per viewer, with no count.
    /// </summary>
    public async Task<string?> ViewAsync(JsonElement activity, Actor signer, CancellationToken ct)
    {
        var video = await videos.ByUrlAsync(activity.Id("object"), ct);
        if (video is null || (!video.IsLocal && ActivityJson.HostOf(video.RemoteUrl) != signer.Host))
        {
            return video is null ? "unknown video" : "views of a remote video are taken from its origin only";
        }

        if (Closed(video))
        {
            return NotPublic;
        }

        var count = activity.TryProperty("result", out var result) ? result.Int("userInteractionCount") ?? 1 : 1;
        count = Math.Clamp(count, 1, MaxViewsPerActivity);
        // A remote video's views are its origin's word: capped, as in RemoteVideos (FederationOptions.MaxRemoteVideoViews).
        var cap = video.IsLocal ? long.MaxValue : federation.CurrentValue.MaxRemoteVideoViews;
        await db.Videos.Where(v => v.Id == video.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.Views, v => v.Views + count > cap ? cap : v.Views + count), ct);
        return null;
    }

    /// <summary>A comment (Note) on a video, or a reply to a comment, from the account that wrote it.</summary>
    public async Task<string?> ReceiveNoteAsync(JsonElement note, Actor signer, CancellationToken ct)
    {
        var id = note.String("id");
        if (id is null || !ActivityJson.SameHost(id, signer.Url) || note.Id("attributedTo") != signer.Url)
        {
            return "a note must be written by its signer, on its host";
        }

        var author = signer.AccountId is { } aid ? aid : (await actors.GetAsync(signer.Url, refresh: true, ct))?.AccountId;
        if (author is null)
        {
            return "the note's author has no account";
        }

        var inReplyTo = note.Id("inReplyTo");
        VideoComment? parent = null;
        var video = await videos.ByUrlAsync(inReplyTo, ct);
        if (video is null && inReplyTo is not null)
        {
            parent = await db.VideoComments.FirstOrDefaultAsync(c => c.Url == inReplyTo, ct)
                     ?? await LocalCommentAsync(inReplyTo, ct);
            video = parent is null ? null : await db.Videos.FirstOrDefaultAsync(v => v.Id == parent.VideoId, ct);
        }

        if (video is null)
        {
            return "the note replies to nothing we know";
        }

        if (Closed(video))
        {
            return NotPublic;
        }

        if (video.IsLocal && video.CommentsPolicy == CommentsPolicy.Disabled)
        {
            return "comments are disabled on this video";
        }

        // Remote notes are HTML (Mastodon's are); what is kept is what is safe to show.
        var text = markdown.SanitizeHtml(note.String("content") ?? "");
        var comment = await db.VideoComments.FirstOrDefaultAsync(c => c.Url == id, ct);
        var now = clock.GetUtcNow();
        var screen = await screening.ScreenAsync(video, text, authorModerates: false, ct);
        var edited = comment is not null;
        if (comment is null)
        {
            comment = new VideoComment
            {
                Url = id, VideoId = video.Id, AccountId = author.Value, Text = text, CreatedAt = note.Date("published") ?? now,
                HeldForReview = screen.HeldForReview,
            };
            db.VideoComments.Add(comment);
        }
        else if (comment.AccountId != author.Value || comment.VideoId != video.Id)
        {
            // Another account of the same host, or a move to another video: only the author edits a comment, in place.
            return "only its author may change a comment";
        }

        comment.Text = text.Length > 10_000 ? text[..10_000] : text;
        comment.InReplyToCommentId = parent?.Id;
        comment.ThreadId = parent is null ? null : parent.ThreadId ?? parent.Id;
        comment.UpdatedAt = note.Date("updated") ?? now;
        await db.SaveChangesAsync(ct);
        await screening.TagAsync(comment.Id, screen.Tags, edited, ct);
        comment.ThreadId ??= comment.Id;
        await db.SaveChangesAsync(ct);

        return null;
    }

    /// <summary>One of our comments by its URL (/videos/watch/{uuid}/comments/{id}).</summary>
    public async Task<VideoComment?> LocalCommentAsync(string url, CancellationToken ct)
    {
        var prefix = instance.Value.Absolute("/videos/watch/");
        if (!url.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = url[prefix.Length..].Split('/');
        return parts is [_, "comments", var idText] && int.TryParse(idText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var commentId)
            ? await db.VideoComments.FirstOrDefaultAsync(c => c.Id == commentId && c.Account!.Host == null, ct)
            : null;
    }

    /// <summary>
    /// Marks a remote comment deleted when <paramref name="signer"/> may: its author, or who speaks for the (remote)
    /// video it is on (the video's channel, its account or its instance, as PeerTube lets a video's owner moderate).
    /// </summary>
    /// <returns>Null when deleted (or already deleted by the same right), "" when there is no such comment, or why not.</returns>
    public async Task<string?> DeleteNoteByAsync(string url, Actor signer, CancellationToken ct)
    {
        var comment = await db.VideoComments.AsNoTracking().Where(c => c.Url == url)
            .Select(c => new { c.AccountId, c.DeletedAt, c.Video!.ChannelId, c.Video.RemoteUrl }).FirstOrDefaultAsync(ct);
        if (comment is null)
        {
            return "";
        }

        var mayDelete = (signer.AccountId is { } accountId && accountId == comment.AccountId)
                        || (comment.RemoteUrl is not null
                            && await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.ChannelId == comment.ChannelId, ct) is { } channel
                            && await trust.SpeaksForAsync(signer, channel, ct));
        if (!mayDelete)
        {
            return "only a comment's author or its video's owner may delete it";
        }

        if (comment.DeletedAt is null)
        {
            await db.VideoComments.Where(c => c.Url == url && c.DeletedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, clock.GetUtcNow()).SetProperty(c => c.Text, ""), ct);
        }

        return null;
    }

    /// <summary>Marks a remote comment deleted, if it is there and its author is of <paramref name="host"/> (a forwarded Delete, checked at its source).</summary>
    public async Task<bool> DeleteNoteAsync(string url, string host, CancellationToken ct) =>
        await db.VideoComments.Where(c => c.Url == url && c.Account!.Host == host && c.DeletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.DeletedAt, clock.GetUtcNow()).SetProperty(c => c.Text, ""), ct) > 0;
}
