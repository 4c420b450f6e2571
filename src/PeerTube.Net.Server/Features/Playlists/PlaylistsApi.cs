using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// PeerTube's playlist API (server/core/controllers/api/video-playlist.ts): playlists, their elements, and the lists of an
/// account and a channel. A private playlist is its owner's (and an admin's); an unlisted one is found only by its uuid.
/// </summary>
internal static class PlaylistsApi
{
    private static readonly HashSet<string> SortColumns = ["id", "displayName", "createdAt", "updatedAt"];

    /// <summary>A playlist holds at most this many elements (PeerTube has no limit; ours keeps a list page and its AP object bounded).</summary>
    public const int MaxElements = 500;

    public static IEndpointRouteBuilder MapPlaylistsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Video Playlists").DisableAntiforgery();
        api.MapGet("/video-playlists", ListAsync);
        api.MapGet("/video-playlists/privacies", () => TypedResults.Ok(PlaylistDtos.Privacies.ToDictionary(kv => kv.Key.ToString(CultureInfo.InvariantCulture), kv => kv.Value)));
        api.MapGet("/video-playlists/{playlistId}", GetAsync);
        api.MapGet("/video-playlists/{playlistId}/videos", ListElementsAsync);
        api.MapGet("/accounts/{name}/video-playlists", ListOfAccountAsync);
        api.MapGet("/video-channels/{handle}/video-playlists", ListOfChannelAsync);

        var user = api.MapGroup("").RequireAuthorization();
        user.MapPost("/video-playlists", CreateAsync);
        user.MapPut("/video-playlists/{playlistId}", UpdateAsync);
        user.MapDelete("/video-playlists/{playlistId}", DeleteAsync);
        user.MapPost("/video-playlists/{playlistId}/videos", AddElementAsync);
        user.MapPost("/video-playlists/{playlistId}/videos/reorder", ReorderAsync);
        user.MapPut("/video-playlists/{playlistId}/videos/{playlistElementId}", UpdateElementAsync);
        user.MapDelete("/video-playlists/{playlistId}/videos/{playlistElementId}", RemoveElementAsync);
        user.MapGet("/users/me/video-playlists/videos-exist", VideosExistAsync);
        return app;
    }

    // ---- reading ----

    private static async Task<Ok<ListPage<Dictionary<string, object?>>>> ListAsync(HttpRequest request, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct) =>
        TypedResults.Ok(await PageAsync(request, db, db.VideoPlaylists.Where(p => p.Privacy == PlaylistPrivacy.Public), instance.Value, ct));

    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, NotFoundProblem>> ListOfAccountAsync(string name, HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, TimeProvider clock, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var accountName = Handles.Local(name, instance.Value);
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == accountName, ct);
        if (account is null)
        {
            return ApiProblem.NotFound("Account not found.");
        }

        var query = db.VideoPlaylists.Where(p => p.OwnerAccountId == account.Id);
        if (principal.UserId() is { } me && me == account.UserId)
        {
            // The owner sees all of theirs, the watch-later list among them (made on first need).
            await WatchLater.EnsureAsync(db, account.Id, clock, ct);
        }
        else
        {
            query = query.Where(p => p.Privacy == PlaylistPrivacy.Public);
        }

        return TypedResults.Ok(await PageAsync(request, db, query, instance.Value, ct));
    }

    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, NotFoundProblem>> ListOfChannelAsync(string handle, HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var channelName = Handles.Local(handle, instance.Value);
        var channel = await db.VideoChannels.AsNoTracking().Include(c => c.Account).FirstOrDefaultAsync(c => c.Name == channelName, ct);
        if (channel is null)
        {
            return ApiProblem.NotFound("Video channel not found.");
        }

        var query = db.VideoPlaylists.Where(p => p.ChannelId == channel.Id);
        if (!(principal.UserId() is { } me && me == channel.Account!.UserId))
        {
            query = query.Where(p => p.Privacy == PlaylistPrivacy.Public);
        }

        return TypedResults.Ok(await PageAsync(request, db, query, instance.Value, ct));
    }

    private static async Task<ListPage<Dictionary<string, object?>>> PageAsync(HttpRequest request, AppDbContext db, IQueryable<VideoPlaylist> query, InstanceOptions instance, CancellationToken ct)
    {
        var list = ListQuery.Read(request, SortColumns, "-updatedAt");
        var errors = new Dictionary<string, string>();
        if (request.Query["playlistType"].ToString() is { Length: > 0 } typeText)
        {
            if (int.TryParse(typeText, NumberStyles.None, CultureInfo.InvariantCulture, out var type) && type is 1 or 2)
            {
                query = query.Where(p => p.Type == (PlaylistType)type);
            }
            else
            {
                errors["playlistType"] = "Should have a valid playlistType.";
            }
        }

        if (errors.Count > 0)
        {
            throw new ApiProblemException(ApiProblem.InvalidParams(errors));
        }

        if (request.Query["search"].ToString() is { Length: > 0 } search)
        {
            query = query.Where(p => p.Name.ToLower().Contains(search.ToLower()));
        }

        var total = await query.CountAsync(ct);
        IOrderedQueryable<VideoPlaylist> ordered = (list.Column, list.Descending) switch
        {
            ("id", false) => query.OrderBy(p => p.Id),
            ("id", true) => query.OrderByDescending(p => p.Id),
            ("displayName", false) => query.OrderBy(p => p.Name),
            ("displayName", true) => query.OrderByDescending(p => p.Name),
            ("createdAt", false) => query.OrderBy(p => p.CreatedAt),
            ("createdAt", true) => query.OrderByDescending(p => p.CreatedAt),
            (_, false) => query.OrderBy(p => p.UpdatedAt),
            _ => query.OrderByDescending(p => p.UpdatedAt),
        };
        var rows = await ordered.ThenByDescending(p => p.Id).Skip(list.Start).Take(list.Count)
            .Include(p => p.OwnerAccount).Include(p => p.Channel!).ThenInclude(c => c.Account)
            .AsNoTracking().ToListAsync(ct);
        var lengths = await LengthsAsync(db, rows.Select(p => p.Id).ToList(), ct);
        return new ListPage<Dictionary<string, object?>>(total, rows.Select(p => PlaylistDtos.Playlist(p, lengths.GetValueOrDefault(p.Id), instance)).ToList());
    }

    private static async Task<Results<Ok<Dictionary<string, object?>>, UnauthorizedProblem, ForbiddenProblem, NotFoundProblem>> GetAsync(string playlistId,
        ClaimsPrincipal principal, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var playlist = await FindAsync(db, playlistId, ct);
        if (Refusal(playlist, playlistId, principal) is { } refused)
        {
            return refused.Status switch
            {
                401 => (UnauthorizedProblem)refused,
                403 => (ForbiddenProblem)refused,
                _ => (NotFoundProblem)refused,
            };
        }

        var length = await db.VideoPlaylistElements.CountAsync(e => e.PlaylistId == playlist!.Id, ct);
        return TypedResults.Ok(PlaylistDtos.Playlist(playlist!, length, instance.Value));
    }

    private static async Task<Results<Ok<ListPage<Dictionary<string, object?>>>, UnauthorizedProblem, ForbiddenProblem, NotFoundProblem>> ListElementsAsync(string playlistId,
        HttpRequest request, ClaimsPrincipal principal, AppDbContext db, IBlockedVideos blocked, VideoUrls urls, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var playlist = await FindAsync(db, playlistId, ct);
        if (Refusal(playlist, playlistId, principal) is { } refused)
        {
            return refused.Status switch
            {
                401 => (UnauthorizedProblem)refused,
                403 => (ForbiddenProblem)refused,
                _ => (NotFoundProblem)refused,
            };
        }

        var list = ListQuery.Read(request, new HashSet<string> { "position" }, "position");
        var elements = db.VideoPlaylistElements.Where(e => e.PlaylistId == playlist!.Id);
        var total = await elements.CountAsync(ct);
        var page = await elements.OrderBy(e => e.Position).Skip(list.Start).Take(list.Count)
            .Include(e => e.Video!).ThenInclude(v => v.Channel!).ThenInclude(c => c.Account!)
            .AsNoTracking().ToListAsync(ct);
        var videoIds = page.Where(e => e.VideoId is not null).Select(e => e.VideoId!.Value).ToList();
        var blockedIds = (await blocked.Ids().Where(id => videoIds.Contains(id)).ToListAsync(ct)).ToHashSet();
        return TypedResults.Ok(new ListPage<Dictionary<string, object?>>(total,
            page.Select(e => PlaylistDtos.Element(e, PlaylistDtos.TypeFor(e, principal, blockedIds), instance.Value, urls, principal)).ToList()));
    }

    /// <summary>For each video asked about, where it is in the user's own playlists.</summary>
    private static async Task<Results<Ok<Dictionary<string, List<Dictionary<string, object?>>>>, BadRequestProblem>> VideosExistAsync(HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var ids = new List<int>();
        foreach (var value in request.Query["videoIds"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["videoIds"] = "Should have a valid video ids array" });
            }

            ids.Add(id);
        }

        if (ids.Count is 0 or > 100)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["videoIds"] = "Should have a valid video ids array" });
        }

        var account = await MyAccountAsync(db, principal, ct);
        await WatchLater.EnsureAsync(db, account.Id, clock, ct);
        var found = await db.VideoPlaylistElements.AsNoTracking()
            .Where(e => e.Playlist!.OwnerAccountId == account.Id && e.VideoId != null && ids.Contains(e.VideoId.Value))
            .Select(e => new { VideoId = e.VideoId!.Value, e.Id, e.PlaylistId, e.Playlist!.Name, e.Playlist.Uuid, e.StartTimestamp, e.StopTimestamp })
            .ToListAsync(ct);
        var result = ids.Distinct().ToDictionary(id => id.ToString(CultureInfo.InvariantCulture), id => found.Where(f => f.VideoId == id)
            .Select(f => new Dictionary<string, object?>
            {
                ["playlistElementId"] = f.Id,
                ["playlistId"] = f.PlaylistId,
                ["playlistDisplayName"] = f.Name,
                ["playlistShortUUID"] = ShortUuid.FromGuid(f.Uuid),
                ["startTimestamp"] = f.StartTimestamp,
                ["stopTimestamp"] = f.StopTimestamp,
            }).ToList());
        return TypedResults.Ok(result);
    }

    // ---- writing ----

    private static async Task<Results<Ok<CreatedPlaylistBody>, BadRequestProblem, ForbiddenProblem>> CreateAsync(HttpRequest request, ClaimsPrincipal principal,
        AppDbContext db, PlaylistImages images, PlaylistFederation federation, StoragePaths paths, TimeProvider clock, CancellationToken ct)
    {
        using var form = await PlaylistForm.ReadAsync(request, paths.Tmp, ct);
        var errors = new Dictionary<string, string>();
        var name = ValidName(form.String("displayName"), "displayName", errors, required: true);
        var description = ValidDescription(form, errors);
        var privacy = ValidPrivacy(form, errors) ?? PlaylistPrivacy.Private;
        var channelId = form.Int("videoChannelId", errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var account = await MyAccountAsync(db, principal, ct);
        if (channelId is not null)
        {
            await VideoAccess.ChannelOfAsync(db, channelId, account.UserId ?? -1, ct);
        }
        else if (privacy is PlaylistPrivacy.Public or PlaylistPrivacy.Unlisted)
        {
            return ApiProblem.BadRequest("Cannot set \"public\" or \"unlisted\" a playlist that is not assigned to a channel.");
        }

        var thumbnail = await images.StoreAsync(form.ThumbnailFile, ct);
        var now = clock.GetUtcNow();
        var playlist = new VideoPlaylist
        {
            Uuid = Guid.NewGuid(),
            Name = name!,
            Description = description.Value,
            Privacy = privacy,
            Type = PlaylistType.Regular,
            OwnerAccountId = account.Id,
            ChannelId = channelId,
            ThumbnailFilename = thumbnail,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.VideoPlaylists.Add(playlist);
        await SaveAndAnnounceAsync(db, federation, images, playlist, () => PlaylistChange.Created, thumbnail, ct);

        return TypedResults.Ok(new CreatedPlaylistBody(new CreatedPlaylist(playlist.Id, playlist.Uuid, ShortUuid.FromGuid(playlist.Uuid))));
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UpdateAsync(string playlistId, HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, PlaylistImages images, PlaylistFederation federation, StoragePaths paths, TimeProvider clock, CancellationToken ct)
    {
        using var form = await PlaylistForm.ReadAsync(request, paths.Tmp, ct);
        var playlist = await FindAsync(db, playlistId, ct, tracked: true);
        if (playlist is null)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        if (CannotManage(playlist, principal) is { } refused)
        {
            return refused;
        }

        var errors = new Dictionary<string, string>();
        var name = ValidName(form.String("displayName"), "displayName", errors, required: false);
        var description = ValidDescription(form, errors);
        var privacy = ValidPrivacy(form, errors) ?? playlist.Privacy;
        var channelId = form.Has("videoChannelId") ? form.Int("videoChannelId", errors) : playlist.ChannelId;
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        if (privacy == PlaylistPrivacy.Public && channelId is null)
        {
            return ApiProblem.BadRequest("Cannot set \"public\" a playlist that is not assigned to a channel.");
        }

        if (playlist.Type == PlaylistType.WatchLater)
        {
            return ApiProblem.BadRequest("Cannot update a watch later playlist.");
        }

        if (channelId is not null && channelId != playlist.ChannelId)
        {
            // The new channel must be the playlist owner's.
            var ownerUserId = await db.Accounts.Where(a => a.Id == playlist.OwnerAccountId).Select(a => a.UserId).FirstAsync(ct);
            await VideoAccess.ChannelOfAsync(db, channelId, ownerUserId ?? -1, ct);
        }

        var thumbnail = await images.StoreAsync(form.ThumbnailFile, ct);
        var oldThumbnail = playlist.ThumbnailFilename;
        var wasPublic = playlist.Privacy == PlaylistPrivacy.Public;
        playlist.Name = name ?? playlist.Name;
        if (description.Present)
        {
            playlist.Description = description.Value;
        }

        playlist.Privacy = privacy;
        playlist.ChannelId = channelId;
        playlist.ThumbnailFilename = thumbnail ?? playlist.ThumbnailFilename;
        playlist.UpdatedAt = clock.GetUtcNow();
        await SaveAndAnnounceAsync(db, federation, images, playlist,
            () => wasPublic && playlist.Privacy != PlaylistPrivacy.Public ? PlaylistChange.Hidden : PlaylistChange.Updated, thumbnail, ct);

        if (thumbnail is not null)
        {
            images.Delete(oldThumbnail);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> DeleteAsync(string playlistId, ClaimsPrincipal principal,
        AppDbContext db, PlaylistImages images, PlaylistFederation federation, CancellationToken ct)
    {
        var playlist = await FindAsync(db, playlistId, ct, tracked: true);
        if (playlist is null)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        if (playlist.Type == PlaylistType.WatchLater)
        {
            return ApiProblem.BadRequest("Cannot delete a watch later playlist.");
        }

        if (CannotManage(playlist, principal) is { } refused)
        {
            return refused;
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Built before the row goes: the followers hear the playlist's id.
            await federation.AnnounceAsync(playlist.Id, PlaylistChange.Deleted, ct);
            db.VideoPlaylists.Remove(playlist);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        images.Delete(playlist.ThumbnailFilename);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AddedElementBody>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> AddElementAsync(string playlistId,
        HttpRequest request, ClaimsPrincipal principal, AppDbContext db, PlaylistImages images, PlaylistFederation federation, StoragePaths paths,
        TimeProvider clock, CancellationToken ct)
    {
        using var form = await PlaylistForm.ReadAsync(request, paths.Tmp, ct);
        var errors = new Dictionary<string, string>();
        var videoId = form.String("videoId");
        var start = ValidTimestamp(form, "startTimestamp", errors);
        var stop = ValidTimestamp(form, "stopTimestamp", errors);
        if (string.IsNullOrWhiteSpace(videoId))
        {
            errors["videoId"] = "Should have a valid video id/uuid/short uuid";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var playlist = await FindAsync(db, playlistId, ct, tracked: true);
        if (playlist is null)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        var video = await db.Videos.Include(v => v.Channel!).ThenInclude(c => c.Account!).ById(videoId!).FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (CannotManage(playlist, principal) is { } refused)
        {
            return refused;
        }

        if (!VideoAccess.CanView(video.Privacy, video.Channel!.Account!.UserId, principal))
        {
            return ApiProblem.Forbidden("Cannot add a video you cannot see to a playlist.");
        }

        var count = await db.VideoPlaylistElements.CountAsync(e => e.PlaylistId == playlist.Id, ct);
        if (count >= MaxElements)
        {
            return ApiProblem.BadRequest($"A playlist holds at most {MaxElements} videos.", "playlist_full");
        }

        var now = clock.GetUtcNow();
        var element = new VideoPlaylistElement
        {
            PlaylistId = playlist.Id,
            VideoId = video.Id,
            Position = count + 1,
            StartTimestamp = start.Value,
            StopTimestamp = stop.Value,
            CreatedAt = now,
            UpdatedAt = now,
        };
        // PeerTube gives a playlist without an image its first video's thumbnail.
        var thumbnail = playlist.ThumbnailFilename is null && video.Privacy is VideoPrivacy.Public or VideoPrivacy.Unlisted
            ? images.CopyOfVideoThumbnail(video)
            : null;
        playlist.ThumbnailFilename ??= thumbnail;
        playlist.UpdatedAt = now;
        db.VideoPlaylistElements.Add(element);
        await SaveAndAnnounceAsync(db, federation, images, playlist, () => PlaylistChange.Updated, thumbnail, ct);

        return TypedResults.Ok(new AddedElementBody(new AddedElement(element.Id)));
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UpdateElementAsync(string playlistId, string playlistElementId,
        HttpRequest request, ClaimsPrincipal principal, AppDbContext db, PlaylistFederation federation, StoragePaths paths, TimeProvider clock, CancellationToken ct)
    {
        using var form = await PlaylistForm.ReadAsync(request, paths.Tmp, ct);
        var errors = new Dictionary<string, string>();
        var start = ValidTimestamp(form, "startTimestamp", errors);
        var stop = ValidTimestamp(form, "stopTimestamp", errors);
        if (!int.TryParse(playlistElementId, NumberStyles.None, CultureInfo.InvariantCulture, out var elementId))
        {
            errors["playlistElementId"] = "Should have an element id/uuid/short uuid";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var (playlist, element, refused) = await FindElementAsync(db, playlistId, elementId, principal, ct);
        if (refused is not null)
        {
            return refused.Status == 403 ? (ForbiddenProblem)refused : (NotFoundProblem)refused;
        }

        if (start.Present)
        {
            element!.StartTimestamp = start.Value;
        }

        if (stop.Present)
        {
            element!.StopTimestamp = stop.Value;
        }

        element!.UpdatedAt = playlist!.UpdatedAt = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        await federation.AnnounceAsync(playlist.Id, PlaylistChange.Updated, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> RemoveElementAsync(string playlistId, string playlistElementId,
        ClaimsPrincipal principal, AppDbContext db, PlaylistFederation federation, TimeProvider clock, CancellationToken ct)
    {
        if (!int.TryParse(playlistElementId, NumberStyles.None, CultureInfo.InvariantCulture, out var elementId))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["playlistElementId"] = "Should have an element id/uuid/short uuid" });
        }

        var (playlist, element, refused) = await FindElementAsync(db, playlistId, elementId, principal, ct);
        if (refused is not null)
        {
            return refused.Status == 403 ? (ForbiddenProblem)refused : (NotFoundProblem)refused;
        }

        var elements = await db.VideoPlaylistElements.Where(e => e.PlaylistId == playlist!.Id).OrderBy(e => e.Position).ToListAsync(ct);
        elements.RemoveAll(e => e.Id == element!.Id);
        db.VideoPlaylistElements.Remove(element!);
        Renumber(elements);
        playlist!.UpdatedAt = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        await federation.AnnounceAsync(playlist.Id, PlaylistChange.Updated, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// PeerTube's reorder: the <c>reorderLength</c> elements from <c>startPosition</c> move to just after the element at
    /// <c>insertAfterPosition</c> (0 for the top).
    /// </summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ReorderAsync(string playlistId, HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, PlaylistFederation federation, StoragePaths paths, TimeProvider clock, CancellationToken ct)
    {
        using var form = await PlaylistForm.ReadAsync(request, paths.Tmp, ct);
        var errors = new Dictionary<string, string>();
        var start = form.Int("startPosition", errors);
        var insertAfter = form.Int("insertAfterPosition", errors);
        var length = form.Int("reorderLength", errors) ?? 1;
        if (start is not >= 1)
        {
            errors["startPosition"] = "Should have a valid startPosition.";
        }

        if (insertAfter is not >= 0)
        {
            errors["insertAfterPosition"] = "Should have a valid insertAfterPosition.";
        }

        if (length < 1)
        {
            errors["reorderLength"] = "Should have a valid reorderLength.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var playlist = await FindAsync(db, playlistId, ct, tracked: true);
        if (playlist is null)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        if (CannotManage(playlist, principal) is { } refused)
        {
            return refused;
        }

        var elements = await db.VideoPlaylistElements.Where(e => e.PlaylistId == playlist.Id).OrderBy(e => e.Position).ToListAsync(ct);
        var next = elements.Count + 1;
        if (start >= next || insertAfter >= next)
        {
            return ApiProblem.BadRequest($"Start position or insert after position exceed the playlist limits (max: {next - 1})");
        }

        if (length + start > next)
        {
            return ApiProblem.BadRequest($"Reorder length with this start position exceeds the playlist limits (max: {next - start})");
        }

        if (start == insertAfter)
        {
            return TypedResults.NoContent();
        }

        var moved = elements.GetRange(start!.Value - 1, length);
        var rest = elements.Except(moved).ToList();
        var at = rest.Count(e => e.Position <= insertAfter);
        rest.InsertRange(at, moved);
        Renumber(rest);
        playlist.UpdatedAt = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.SaveChangesAsync(ct);
        await federation.AnnounceAsync(playlist.Id, PlaylistChange.Updated, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    // ---- rules ----

    /// <summary>PeerTube's get rule: unlisted only by uuid, private only for its owner or an admin.</summary>
    internal static ApiProblem? Refusal(VideoPlaylist? playlist, string requestedId, ClaimsPrincipal principal)
    {
        if (playlist is null)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        if (playlist.Privacy == PlaylistPrivacy.Unlisted && int.TryParse(requestedId, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && !IsOwnerOrAdmin(playlist, principal))
        {
            return ApiProblem.NotFound("Playlist not found");
        }

        if (playlist.Privacy == PlaylistPrivacy.Private && !IsOwnerOrAdmin(playlist, principal))
        {
            return principal.UserId() is null
                ? ApiProblem.Unauthorized("Authentication is required to see this private video playlist.")
                : ApiProblem.Forbidden("Cannot get this private video playlist.");
        }

        return null;
    }

    internal static bool IsOwnerOrAdmin(VideoPlaylist playlist, ClaimsPrincipal principal) =>
        VideoAccess.IsOwnerOrAdmin(playlist.OwnerAccount?.UserId, principal);

    private static ForbiddenProblem? CannotManage(VideoPlaylist playlist, ClaimsPrincipal principal)
    {
        if (!playlist.IsLocal)
        {
            return ApiProblem.Forbidden("Cannot manage video playlist of another server.");
        }

        return IsOwnerOrAdmin(playlist, principal) ? null : ApiProblem.Forbidden("Cannot manage video playlist of another user");
    }

    private static async Task<(VideoPlaylist? Playlist, VideoPlaylistElement? Element, ApiProblem? Refused)> FindElementAsync(AppDbContext db, string playlistId,
        int elementId, ClaimsPrincipal principal, CancellationToken ct)
    {
        var playlist = await FindAsync(db, playlistId, ct, tracked: true);
        if (playlist is null)
        {
            return (null, null, ApiProblem.NotFound("Video playlist not found."));
        }

        var element = await db.VideoPlaylistElements.FirstOrDefaultAsync(e => e.Id == elementId && e.PlaylistId == playlist.Id, ct);
        if (element is null)
        {
            return (playlist, null, ApiProblem.NotFound("Video playlist element not found"));
        }

        return CannotManage(playlist, principal) is { } refused ? (playlist, element, refused) : (playlist, element, null);
    }

    /// <summary>
    /// Saves the tracked changes and writes the announcement in one transaction (the change is read after the save, when
    /// the playlist has its id); on failure a thumbnail made for this change is deleted again, so no file outlives a rollback.
    /// </summary>
    private static async Task SaveAndAnnounceAsync(AppDbContext db, PlaylistFederation federation, PlaylistImages images, VideoPlaylist playlist,
        Func<PlaylistChange> change, string? newThumbnail, CancellationToken ct)
    {
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.SaveChangesAsync(ct);
            await federation.AnnounceAsync(playlist.Id, change(), ct);
            await transaction.CommitAsync(ct);
        }
        catch
        {
            images.Delete(newThumbnail);
            throw;
        }
    }

    private static void Renumber(List<VideoPlaylistElement> ordered)
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i].Position = i + 1;
        }
    }

    internal static IQueryable<VideoPlaylist> ById(this IQueryable<VideoPlaylist> playlists, string idOrUuid)
    {
        if (int.TryParse(idOrUuid, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return playlists.Where(p => p.Id == id);
        }

        if (Guid.TryParse(idOrUuid, out var uuid) || ShortUuid.TryParse(idOrUuid, out uuid))
        {
            return playlists.Where(p => p.Uuid == uuid);
        }

        return playlists.Where(_ => false);
    }

    internal static async Task<VideoPlaylist?> FindAsync(AppDbContext db, string idOrUuid, CancellationToken ct, bool tracked = false)
    {
        var query = db.VideoPlaylists.Include(p => p.OwnerAccount).Include(p => p.Channel!).ThenInclude(c => c.Account).ById(idOrUuid);
        return await (tracked ? query : query.AsNoTracking()).FirstOrDefaultAsync(ct);
    }

    internal static async Task<Dictionary<int, int>> LengthsAsync(AppDbContext db, IReadOnlyCollection<int> playlistIds, CancellationToken ct) =>
        await db.VideoPlaylistElements.Where(e => playlistIds.Contains(e.PlaylistId)).GroupBy(e => e.PlaylistId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);

    private static async Task<Account> MyAccountAsync(AppDbContext db, ClaimsPrincipal principal, CancellationToken ct)
    {
        var me = principal.UserId() ?? throw new ApiProblemException(ApiProblem.Unauthorized());
        return await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.UserId == me, ct)
               ?? throw new ApiProblemException(ApiProblem.Forbidden("This user has no account."));
    }

    private static string? ValidName(string? value, string field, Dictionary<string, string> errors, bool required)
    {
        if (value is null && !required)
        {
            return null;
        }

        var trimmed = value?.Trim();
        if (trimmed is not { Length: >= 1 and <= 120 })
        {
            errors[field] = "Should have a valid display name (1 to 120 characters).";
            return null;
        }

        return trimmed;
    }

    private static (bool Present, string? Value) ValidDescription(PlaylistForm form, Dictionary<string, string> errors)
    {
        if (!form.Has("description"))
        {
            return (false, null);
        }

        var value = form.String("description");
        if (value is { Length: > 1000 })
        {
            errors["description"] = "Should have a valid description (at most 1000 characters).";
        }

        return (true, string.IsNullOrEmpty(value) ? null : value);
    }

    private static PlaylistPrivacy? ValidPrivacy(PlaylistForm form, Dictionary<string, string> errors)
    {
        var privacy = form.Int("privacy", errors);
        if (privacy is null)
        {
            return null;
        }

        if (privacy is not (1 or 2 or 3))
        {
            errors["privacy"] = "Should have a valid privacy.";
            return null;
        }

        return (PlaylistPrivacy)privacy;
    }

    private static (bool Present, int? Value) ValidTimestamp(PlaylistForm form, string field, Dictionary<string, string> errors)
    {
        if (!form.Has(field))
        {
            return (false, null);
        }

        var value = form.Int(field, errors);
        if (value is < 0)
        {
            errors[field] = $"Should have a valid {field}.";
        }

        return (true, value);
    }
}

public sealed record CreatedPlaylist(int Id, Guid Uuid, string ShortUUID);

public sealed record CreatedPlaylistBody(CreatedPlaylist VideoPlaylist);

public sealed record AddedElement(int Id);

public sealed record AddedElementBody(AddedElement VideoPlaylistElement);
