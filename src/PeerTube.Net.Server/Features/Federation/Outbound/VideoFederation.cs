using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Live;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>
/// Tells followers about our videos: Create on publish, Update on edit, Delete on removal or when it turns private.
/// A live is created when it is (waiting for its stream, as PeerTube does), and each change of its state is an Update.
/// The activities are written as delivery rows right here (database work only): a change's record replays this after a
/// crash (IVideoEvents.Record), and the delivery worker sends the rows, so no announcement waits in a job queue.
/// </summary>
internal sealed class VideoFederation(FederateVideoJob federate) : IVideoEventHandler
{
    public Task PublishedAsync(int videoId, CancellationToken ct) => federate.RunAsync(videoId, "Create", ct);

    public Task UpdatedAsync(int videoId, CancellationToken ct) => federate.RunAsync(videoId, "Update", ct);

    public async Task DeletingAsync(Video video, CancellationToken ct)
    {
        if (!ActivityObjects.HasStateForFederation(video) || !video.IsLocal)
        {
            return;
        }

        await federate.SendDeleteAsync(video, ct);
    }
}

/// <summary>Builds the activity for one of our videos and queues it for every remote follower's inbox. Ids only; safe to run twice.</summary>
public sealed class FederateVideoJob(AppDbContext db, VideoAudience audience, ActivityObjects objects, Outbox outbox, IBlockedVideos blocked, TimeProvider clock)
{
    public async Task RunAsync(int videoId, string kind, CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().WithDetails().FirstOrDefaultAsync(v => v.Id == videoId && v.RemoteUrl == null, ct);
        if (video is null || !ActivityObjects.HasStateForFederation(video))
        {
            return;
        }

        // A moderator took it away from the followers (or holds it for review): they hear of it again when it is unblocked.
        if (await blocked.FindAsync(videoId, ct) is { Unfederated: true })
        {
            return;
        }

        if (VideoUrls.IsPrivateLike(video))
        {
            // Private now: for the others, it is gone.
            if (kind == "Update")
            {
                await SendDeleteAsync(video, ct);
            }

            return;
        }

        var (account, channel, inboxes) = await audience.OfLocalAsync(video, ct);
        var live = video.IsLive ? await db.LiveVideos.AsNoTracking().FirstOrDefaultAsync(l => l.VideoId == videoId, ct) : null;
        var obj = objects.Video(video, account.Url, channel.Url, withContext: false, live);
        var url = objects.VideoUrl(video);
        var id = kind == "Create" ? url + "/activity" : $"{url}/updates/{clock.GetUtcNow().ToUnixTimeMilliseconds()}";
        var activity = objects.Activity(kind, id, account.Url, obj, channel.FollowersUrl, account.FollowersUrl);
        await outbox.SendAsync(account, activity, inboxes, ct);
        if (kind == "Create")
        {
            // The channel shares it too, as PeerTube does: software that only takes posts from actors it follows (Mastodon
            // following the channel) hears of the video through this Announce.
            var announce = objects.Activity("Announce", $"{channel.Url}/announces/{video.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                channel.Url, JsonValue.Create(url), channel.FollowersUrl);
            await outbox.SendAsync(channel, announce, await outbox.FollowerInboxesAsync([channel.Id], ct), ct);
        }
    }

    public async Task SendDeleteAsync(Video video, CancellationToken ct)
    {
        var (account, channel, inboxes) = await audience.OfLocalAsync(video, ct);
        var url = objects.VideoUrl(video);
        var activity = objects.Activity("Delete", url + "/delete", account.Url, JsonValue.Create(url), channel.FollowersUrl, account.FollowersUrl);
        await outbox.SendAsync(account, activity, inboxes, ct);
    }
}
