using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>Signing in, and a user's own videos: upload, list, edit. The forms work through /client/*.js and the API.</summary>
public static class LibraryPages
{
    public const int MyVideosPageSize = 50;

    public static RouteGroupBuilder MapLibraryPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/login", WebEndpoints.PageMethods, (HttpContext http) => Page.Of<Login>(new Dictionary<string, object?> { [nameof(Login.Frame)] = Page.Frame(http) }));
        pages.MapMethods("/videos/upload", WebEndpoints.PageMethods, UploadAsync);
        pages.MapMethods("/my-library/videos", WebEndpoints.PageMethods, MyVideosAsync);
        pages.MapMethods("/videos/update/{id}", WebEndpoints.PageMethods, EditAsync);
        return pages;
    }

    private static async Task<IResult> UploadAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is not { } me)
        {
            return Page.RedirectToLogin(http);
        }

        var channels = await db.VideoChannels.AsNoTracking().Where(c => c.Account!.UserId == me).OrderBy(c => c.Id)
            .Select(c => new ChannelChoice(c.Id, c.DisplayName)).ToListAsync(ct);
        return Page.Of<Upload>(new Dictionary<string, object?>
        {
            [nameof(Upload.Frame)] = Page.Frame(http),
            [nameof(Upload.Channels)] = channels,
        });
    }

    private static async Task<IResult> MyVideosAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is not { } me)
        {
            return Page.RedirectToLogin(http);
        }

        var page = Display.PageNumber(http.Request.Query["page"]);
        var videos = await db.Videos.AsNoTracking().Where(v => v.Channel!.Account!.UserId == me)
            .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id)
            .Skip((page - 1) * MyVideosPageSize).Take(MyVideosPageSize + 1)
            .Select(v => new MyVideo(v.Id, v.Uuid, v.Name, v.ThumbnailFilename, v.Privacy, v.State, v.TranscodingProgress, v.FailureReason,
                v.Duration, v.Views, v.CreatedAt))
            .ToListAsync(ct);
        return Page.Of<MyVideos>(new Dictionary<string, object?>
        {
            [nameof(MyVideos.Frame)] = Page.Frame(http),
            [nameof(MyVideos.Videos)] = videos.Take(MyVideosPageSize).ToList(),
            [nameof(MyVideos.PageNumber)] = page,
            [nameof(MyVideos.HasNext)] = videos.Count > MyVideosPageSize,
        });
    }

    private static async Task<IResult> EditAsync(string id, HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null)
        {
            return Page.NotFound(http);
        }

        if (!VideoAccess.IsOwnerOrAdmin(video.Channel!.Account!.UserId, http.User))
        {
            return Page.Forbidden(http);
        }

        return Page.Of<EditVideo>(new Dictionary<string, object?>
        {
            [nameof(EditVideo.Frame)] = Page.Frame(http),
            [nameof(EditVideo.Video)] = video,
        });
    }
}

public sealed record ChannelChoice(int Id, string DisplayName)
{
    public string Value => Id.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One row of "My videos".</summary>
public sealed record MyVideo(int Id, Guid Uuid, string Name, string? ThumbnailFilename, VideoPrivacy Privacy, VideoState State, int? Progress,
    string? FailureReason, int Duration, long Views, DateTimeOffset CreatedAt)
{
    public string ShortUuid => Videos.ShortUuid.FromGuid(Uuid);
}
