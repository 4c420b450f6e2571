using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Videos;

internal static class VideosApi
{
    private static readonly HashSet<string> SortColumns =
        ["publishedAt", "createdAt", "name", "views", "likes", "duration", "trending", "hot", "best"];

    public static IEndpointRouteBuilder MapVideosApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Videos").DisableAntiforgery();
        api.MapGet("/videos", ListAsync);
        api.MapGet("/videos/categories", () => TypedResults.Ok(Labels(VideoConstants.Categories)));
        api.MapGet("/videos/licences", () => TypedResults.Ok(Labels(VideoConstants.Licences)));
        api.MapGet("/videos/privacies", () => TypedResults.Ok(Labels(VideoConstants.Privacies)));
        api.MapGet("/videos/languages", () => TypedResults.Ok(new Dictionary<string, string>
        {
            ["en"] = "English", ["fr"] = "French", ["de"] = "German", ["es"] = "Spanish", ["it"] = "Italian", ["ja"] = "Japanese",
        }));
        api.MapGet("/videos/{id}", GetAsync);
        api.MapGet("/videos/{id}/description", GetDescriptionAsync);
        api.MapPost("/videos/{id}/views", VideoViewsApi.AddViewAsync)
            .WithSummary("Count a view, and a viewer's heartbeat")
            .WithDescription("Optional JSON body `{ currentTime, sessionId }` (any content type, or a form). One view per IP per video per hour; " +
                             "each call keeps the viewer (its `sessionId` within its address) in the video's `viewers` for `Viewers:LifetimeSeconds`. " +
                             "Live counts are pushed on the SignalR hub `/hubs/live` (docs/web-contract.md).");
        api.MapGet("/video-channels/{handle}/videos", ListChannelAsync);
        api.MapGet("/accounts/{name}/videos", ListAccountAsync);

        var user = api.MapGroup("").RequireAuthorization();
        user.MapPut("/videos/{id}", UpdateAsync);
        user.MapDelete("/videos/{id}", DeleteAsync);
        user.MapGet("/users/me/videos", ListMineAsync);
        user.MapVideoPasswordsApi();
        return app;
    }

    private static Dictionary<string, string> Labels(IReadOnlyDictionary<int, string> table) =>
        table.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value);

    private static Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem>> ListAsync(HttpContext http, AppDbContext db,
        IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance, VideoUrls urls, CancellationToken ct) =>
        PageAsync(http, db.Videos.Listable().NotMutedFor(muted, http.User).NotBlockedFor(blocked, http.User), instance.Value, urls, ct);

    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem, NotFoundProblem>> ListChannelAsync(string handle,
        HttpContext http, AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance, VideoUrls urls, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance.Value);
        if (!await db.VideoChannels.AnyAsync(c => c.Name == name, ct))
        {
            return ApiProblem.NotFound("Video channel not found.");
        }

        return (await PageAsync(http, db.Videos.Listable().NotMutedFor(muted, http.User).NotBlockedFor(blocked, http.User).Where(v => v.Channel!.Name == name), instance.Value, urls, ct)).Result switch
        {
            Ok<ListPage<Dictionary<string, object?>>> page => page,
            var problem => (BadRequestProblem)problem,
        };
    }

    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem, NotFoundProblem>> ListAccountAsync(string name,
        HttpContext http, AppDbContext db, IMutedAccounts muted, IBlockedVideos blocked, IOptions<InstanceOptions> instance, VideoUrls urls, CancellationToken ct)
    {
        var account = Handles.Local(name, instance.Value);
        if (!await db.Accounts.AnyAsync(a => a.Name == account, ct))
        {
            return ApiProblem.NotFound("Account not found.");
        }

        return (await PageAsync(http, db.Videos.Listable().NotMutedFor(muted, http.User).NotBlockedFor(blocked, http.User).Where(v => v.Channel!.Account!.Name == account), instance.Value, urls, ct)).Result switch
        {
            Ok<ListPage<Dictionary<string, object?>>> page => page,
            var problem => (BadRequestProblem)problem,
        };
    }

    /// <summary>All of the user's videos, whatever their state or privacy.</summary>
    private static Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem>> ListMineAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, IOptions<InstanceOptions> instance,
        VideoUrls urls, CancellationToken ct)
    {
        var me = principal.UserId();
        return PageAsync(http, db.Videos.Where(v => v.Channel!.Account!.UserId == me), instance.Value, urls, ct, defaultSort: "-createdAt", publicList: false);
    }

    /// <summary>PeerTube's paging: start, count (at most 100), sort ("-publishedAt" and the like); answers {total, data}.</summary>
    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, BadRequestProblem>> PageAsync(HttpContext http, IQueryable<Video> query, InstanceOptions instance, VideoUrls urls,
        CancellationToken ct, string defaultSort = "-publishedAt", bool publicList = true)
    {
        var q = http.Request.Query;
        var errors = new Dictionary<string, string>();
        var start = ListQuery.Int(q["start"], 0, "start", errors);
        var count = ListQuery.Int(q["count"], 15, "count", errors);
        if (start < 0)
        {
            errors["start"] = "Should have a number as start, 0 or more.";
        }

        if (count is < 0 or > 100)
        {
            errors["count"] = "Should have a number of videos to list between 0 and 100.";
        }

        var sort = q["sort"].ToString() is { Length: > 0 } s ? s : defaultSort;
        var descending = sort.StartsWith('-');
        var column = sort.TrimStart('-');
        if (!SortColumns.Contains(column))
        {
            errors["sort"] = "Should have correct sortable column.";
        }

        // PeerTube's isLive filter: true for lives only, false for uploads only, absent for both.
        switch (q["isLive"].ToString())
        {
            case "":
                break;
            case "true" or "1":
                query = query.Where(v => v.IsLive);
                break;
            case "false" or "0":
                query = query.Where(v => !v.IsLive);
                break;
            default:
                errors["isLive"] = "Should have a valid isLive boolean.";
                break;
        }

        // PeerTube's nsfw filter: true for sensitive videos only, false for the others, both for all. Public lists follow
        // the instance's defaultNSFWPolicy when it is absent: do_not_list leaves sensitive videos out.
        var nsfw = q["nsfw"].ToString();
        if (nsfw.Length == 0 && publicList)
        {
            nsfw = http.RequestServices.GetRequiredService<CustomConfigStore>().Effective["instance"]?["defaultNSFWPolicy"]?.GetValue<string>() == "do_not_list"
                ? "false" : "both";
        }

        switch (nsfw)
        {
            case "" or "both":
                break;
            case "true" or "1":
                query = query.Where(v => v.Nsfw);
                break;
            case "false" or "0":
                query = query.Where(v => !v.Nsfw);
                break;
            default:
                errors["nsfw"] = "Should have a valid nsfw boolean or both.";
                break;
        }

        if (QueryDate(q["originallyPublishedStartDate"], "originallyPublishedStartDate", errors) is { } fromDate)
        {
            query = query.Where(v => v.OriginallyPublishedAt >= fromDate);
        }

        if (QueryDate(q["originallyPublishedEndDate"], "originallyPublishedEndDate", errors) is { } toDate)
        {
            query = query.Where(v => v.OriginallyPublishedAt <= toDate);
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var total = await query.CountAsync(ct);
        IOrderedQueryable<Video> ordered = column switch
        {
            "createdAt" => descending ? query.OrderByDescending(v => v.CreatedAt) : query.OrderBy(v => v.CreatedAt),
            "name" => descending ? query.OrderByDescending(v => v.Name) : query.OrderBy(v => v.Name),
            "views" => descending ? query.OrderByDescending(v => v.Views) : query.OrderBy(v => v.Views),
            "trending" or "hot" => descending ? query.OrderByDescending(VideoAccess.TrendingViews) : query.OrderBy(VideoAccess.TrendingViews),
            "likes" or "best" => descending ? query.OrderByDescending(v => v.Likes) : query.OrderBy(v => v.Likes),
            "duration" => descending ? query.OrderByDescending(v => v.Duration) : query.OrderBy(v => v.Duration),
            _ => descending ? query.OrderByDescending(v => v.PublishedAt) : query.OrderBy(v => v.PublishedAt),
        };
        var page = await ordered.ThenByDescending(v => v.Id).Skip(start).Take(count)
            .Include(v => v.Channel!).ThenInclude(c => c.Account!).AsNoTracking().ToListAsync(ct);
        var viewers = http.RequestServices.GetRequiredService<VideoViewers>();
        return TypedResults.Ok(new ListPage<Dictionary<string, object?>>(total, page.Select(v =>
        {
            var d = VideoDtos.Summary(v, instance, urls, http.User);
            d["viewers"] = viewers.CountOf(v.Id);
            return d;
        }).ToList()));
    }

    private static DateTimeOffset? QueryDate(string? value, string name, Dictionary<string, string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date;
        }

        errors[name] = $"Should have a valid {name} date.";
        return null;
    }

    private static async Task<Results<Ok<Dictionary<string, object?>>, UnauthorizedProblem, ForbiddenProblem, NotFoundProblem>> GetAsync(string id, ClaimsPrincipal principal, AppDbContext db, VideoDetailsComposer details,
        IBlockedVideos blocked, HttpRequest request, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (await VideoPasswords.RefusalAsync(db, video.Id, video.Privacy, video.Channel!.Account!.UserId, principal, request, ct) is { } refusal)
        {
            return refusal;
        }

        if (video.Privacy != VideoPrivacy.PasswordProtected && !VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, principal))
        {
            if (principal.UserId() is null)
            {
                return ApiProblem.Unauthorized("Authentication is required to see this video.");
            }

            return ApiProblem.Forbidden("Cannot get this private video of another user.");
        }

        // A blocked video is kept for its owner and the moderators, as PeerTube does (401 asks to sign in, 403 refuses).
        if (!VideoAccess.IsOwnerOrModerator(video.Channel!.Account!.UserId, principal) && await blocked.FindAsync(video.Id, ct) is not null)
        {
            if (principal.UserId() is null)
            {
                return ApiProblem.Unauthorized("Authentication is required to see this blocked video.");
            }

            return ApiProblem.Forbidden("Cannot get this blocked video.");
        }

        return TypedResults.Ok(await details.ComposeAsync(video, principal, ct));
    }

    private static async Task<Results<Ok<VideoDescriptionDto>, ForbiddenProblem, NotFoundProblem>> GetDescriptionAsync(string id, ClaimsPrincipal principal,
        AppDbContext db, IBlockedVideos blocked, HttpRequest request, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is not null && await VideoPasswords.RefusalAsync(db, video.Id, video.Privacy, video.Channel!.Account!.UserId, principal, request, ct) is { } refusal)
        {
            return refusal;
        }

        if (video is null || (video.Privacy != VideoPrivacy.PasswordProtected && !VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, principal))
            || (!VideoAccess.IsOwnerOrModerator(video.Channel!.Account!.UserId, principal) && await blocked.FindAsync(video.Id, ct) is not null))
        {
            return ApiProblem.NotFound("Video not found.");
        }

        return TypedResults.Ok(new VideoDescriptionDto(video.Description));
    }

    /// <summary>PeerTube's update: JSON or multipart, only the fields given change. Owner or admin only.</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UpdateAsync(string id, HttpContext http, ClaimsPrincipal principal, AppDbContext db,
        IVideoEvents events, TimeProvider clock, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (!video.IsLocal)
        {
            return ApiProblem.Forbidden("Cannot update a video of another instance.");
        }

        var ownerId = video.Channel!.Account!.UserId;
        if (!VideoAccess.IsOwnerOrAdmin(ownerId, principal))
        {
            return ApiProblem.Forbidden("Cannot manage a video of another user.");
        }

        var errors = new Dictionary<string, string>();
        var changes = await VideoUploadMetadata.ReadAsync(http.Request, errors, ct);

        var merged = new VideoUploadMetadata
        {
            Name = changes.Name ?? video.Name,
            ChannelId = changes.ChannelId ?? video.ChannelId,
            Privacy = changes.Privacy ?? (int)video.Privacy,
            Category = changes.Category ?? video.Category,
            Licence = changes.Licence ?? video.Licence,
            Language = changes.Language ?? video.Language,
            Description = changes.Description ?? video.Description,
            Support = changes.Support ?? video.Support,
            Tags = changes.Tags ?? video.Tags,
            Nsfw = changes.Nsfw ?? video.Nsfw,
            WaitTranscoding = changes.WaitTranscoding ?? video.WaitTranscoding,
            DownloadEnabled = changes.DownloadEnabled ?? video.DownloadEnabled,
            CommentsPolicy = changes.CommentsPolicy ?? (changes.CommentsEnabled is { } enabled ? (enabled ? 1 : 2) : video.CommentsPolicy),
            // A password-protected video keeps its passwords unless new ones are given.
            VideoPasswords = changes.VideoPasswords ?? (video.Privacy == VideoPrivacy.PasswordProtected
                ? await db.VideoPasswords.Where(p => p.VideoId == video.Id).Select(p => p.Password).ToListAsync(ct)
                : null),
            ScheduleUpdate = changes.ScheduleUpdate,
        };
        merged.Validate(errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        if (merged.ChannelId != video.ChannelId)
        {
            // Moving to another channel: it must belong to the video's owner.
            await VideoAccess.ChannelOfAsync(db, merged.ChannelId, ownerId ?? -1, ct);
        }

        var privacyChanged = video.Privacy != (VideoPrivacy)merged.Privacy!.Value;
        video.Name = merged.Name!.Trim();
        video.ChannelId = merged.ChannelId!.Value;
        video.Privacy = (VideoPrivacy)merged.Privacy!.Value;
        video.Category = merged.Category;
        video.Licence = merged.Licence;
        video.Language = merged.Language;
        video.Description = merged.Description;
        video.Support = merged.Support;
        video.Tags = merged.Tags ?? [];
        video.Nsfw = merged.Nsfw ?? false;
        video.WaitTranscoding = merged.WaitTranscoding ?? false;
        video.DownloadEnabled = merged.DownloadEnabled ?? true;
        video.CommentsPolicy = merged.CommentsPolicy ?? 1;
        if (changes.OriginallyPublishedAtGiven)
        {
            video.OriginallyPublishedAt = changes.OriginallyPublishedAt;
        }

        if (changes.ScheduleUpdateGiven)
        {
            video.ScheduledUpdateAt = changes.ScheduleUpdate?.UpdateAt;
            video.ScheduledPrivacy = changes.ScheduleUpdate?.UpdateAt is null ? null : (VideoPrivacy)(changes.ScheduleUpdate.Privacy ?? (int)VideoPrivacy.Public);
        }

        if (video.Privacy == VideoPrivacy.PasswordProtected)
        {
            await VideoPasswords.ReplaceAsync(db, video.Id, merged.VideoPasswords!, clock.GetUtcNow(), ct);
        }
        else
        {
            await VideoPasswords.RemoveAllAsync(db, video.Id, ct);
        }

        video.UpdatedAt = clock.GetUtcNow();
        if (privacyChanged)
        {
            // New info-hashes, so a torrent or magnet kept from before leads nowhere (ADR 005).
            video.ResaltTorrents();
        }

        // What the others hear of it (federation, torrents) commits with the change.
        events.Record(video.Id, privacyChanged ? VideoChange.Updated | VideoChange.PrivacyChanged : VideoChange.Updated);
        await db.SaveChangesAsync(ct);
        await events.RaiseRecordedAsync(ct);

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> DeleteAsync(string id, ClaimsPrincipal principal, AppDbContext db, VideoRemoval removal,
        CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (!VideoAccess.IsOwnerOrAdmin(video.Channel!.Account!.UserId, principal))
        {
            return ApiProblem.Forbidden("Cannot remove a video of another user.");
        }

        await removal.RemoveAsync(video, ct);
        return TypedResults.NoContent();
    }
}

public sealed record VideoDescriptionDto(string? Description);
