using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Videos;

public static class VideoAccess
{
    /// <summary>Who may watch without a video password: anyone for public and unlisted, any signed-in user for internal, the owner or an admin for private, the owner or a moderator for password-protected.</summary>
    public static bool CanView(VideoPrivacy privacy, int? ownerUserId, ClaimsPrincipal principal) => privacy switch
    {
        VideoPrivacy.Public or VideoPrivacy.Unlisted => true,
        VideoPrivacy.Internal => principal.UserId() is not null,
        // Without the owner's or a moderator's rights, a password opens it: VideoPasswords.CheckAsync.
        VideoPrivacy.PasswordProtected => IsOwnerOrModerator(ownerUserId, principal),
        _ => IsOwnerOrAdmin(ownerUserId, principal),
    };

    public static bool IsOwnerOrAdmin(int? ownerUserId, ClaimsPrincipal principal) =>
        principal.UserId() is { } me && (me == ownerUserId || principal.IsAdmin());

    public static bool IsOwnerOrModerator(int? ownerUserId, ClaimsPrincipal principal) =>
        principal.UserId() is { } me && (me == ownerUserId || principal.IsModeratorOrAdmin());

    /// <summary>
    /// Why transcoding failed (ffmpeg's words, paths of our disk) is for the video's owner and the instance's moderators
    /// and admins, as the transcoding progress hub already decides; everyone else sees only the state.
    /// </summary>
    public static bool CanSeeTranscodingError(int? ownerUserId, ClaimsPrincipal principal) =>
        principal.UserId() is { } me && (me == ownerUserId || principal.IsModeratorOrAdmin());

    /// <summary>
    /// What trending and "hot" rank by: the views of our videos (counted here and reported by the instances that show
    /// them), and only the views counted here for a remote video, whatever its origin claims.
    /// </summary>
    public static readonly System.Linq.Expressions.Expression<Func<Video, long>> TrendingViews =
        v => v.RemoteUrl == null ? v.Views : v.LocalViews;

    /// <summary>Listed in public lists: published, or still transcoding when the creator chose not to wait (PeerTube's rule).</summary>
    public static IQueryable<Video> Listable(this IQueryable<Video> videos) =>
        videos.Where(v => v.Privacy == VideoPrivacy.Public
                          && (v.State == VideoState.Published || (v.State == VideoState.ToTranscode && !v.WaitTranscoding)));

    /// <summary>Leaves out the videos of accounts muted for <paramref name="viewer"/> (by the instance or by them).</summary>
    public static IQueryable<Video> NotMutedFor(this IQueryable<Video> videos, IMutedAccounts muted, ClaimsPrincipal viewer)
    {
        var ids = muted.For(viewer.UserId());
        return videos.Where(v => !ids.Contains(v.Channel!.AccountId));
    }

    /// <summary>Leaves out blocked videos, except for moderators and for the videos' own owner.</summary>
    public static IQueryable<Video> NotBlockedFor(this IQueryable<Video> videos, IBlockedVideos blocked, ClaimsPrincipal viewer)
    {
        if (viewer.IsModeratorOrAdmin())
        {
            return videos;
        }

        var ids = blocked.Ids();
        var me = viewer.UserId();
        return videos.Where(v => !ids.Contains(v.Id) || (me != null && v.Channel!.Account!.UserId == me));
    }

    public static IQueryable<Video> WithDetails(this IQueryable<Video> videos) =>
        videos.Include(v => v.Channel!).ThenInclude(c => c.Account!)
            .Include(v => v.StreamingPlaylist!).ThenInclude(p => p.Files)
            .AsSplitQuery();

    /// <summary>A numeric id, a UUID or a shortUUID, as PeerTube accepts in its routes.</summary>
    public static IQueryable<Video> ById(this IQueryable<Video> videos, string idOrUuid)
    {
        if (int.TryParse(idOrUuid, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return videos.Where(v => v.Id == id);
        }

        if (Guid.TryParse(idOrUuid, out var uuid) || ShortUuid.TryParse(idOrUuid, out uuid))
        {
            return videos.Where(v => v.Uuid == uuid);
        }

        return videos.Where(_ => false);
    }

    public static Task<Video?> FindAsync(AppDbContext db, string idOrUuid, CancellationToken ct) =>
        db.Videos.WithDetails().ById(idOrUuid).FirstOrDefaultAsync(ct);

    /// <summary>The channel a video of <paramref name="userId"/> may go in: one of the user's own.</summary>
    /// <exception cref="ApiProblemException">400 <c>unknown_video_channel</c>, or 403 for another user's channel.</exception>
    public static async Task<VideoChannel> ChannelOfAsync(AppDbContext db, int? channelId, int userId, CancellationToken ct)
    {
        var channel = await db.VideoChannels.Include(c => c.Account).FirstOrDefaultAsync(c => c.Id == channelId, ct)
            ?? throw new ApiProblemException(new ApiProblem(400, "Unknown video channel for this account.", "unknown_video_channel"));
        if (channel.Account?.UserId != userId)
        {
            throw new ApiProblemException(ApiProblem.Forbidden("Cannot use the video channel of another user."));
        }

        return channel;
    }
}
