using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Outbound;

using PeerTube.Net.Server.Features.Moderation.Log;

namespace PeerTube.Net.Server.Features.Moderation.VideoBlocks;

public sealed record BlockVideoRequest(string? Reason, bool? Unfederate);

public sealed record UpdateVideoBlockRequest(string? Reason);

/// <summary>PeerTube's VideoBlacklist, with the video as the lists show it.</summary>
public sealed record VideoBlockDto(int Id, string? Reason, bool Unfederated, int Type, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    Dictionary<string, object?> Video);

/// <summary>
/// PeerTube's video blacklist, for moderators: block a video (<c>POST /api/v1/videos/{id}/blacklist</c>, optionally
/// telling the followers of a local video that it is gone), change the reason, unblock (the followers hear of it
/// again), and list the blocks (manual ones and those the instance made on upload).
/// </summary>
public static class VideoBlocksApi
{
    private static readonly HashSet<string> SortColumns = ["id", "createdAt", "name", "duration", "views", "likes"];

    public static IEndpointRouteBuilder MapVideoBlocksApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/videos").WithTags("Video blocks").DisableAntiforgery().RequireModerator("manage video blocks");
        api.MapGet("/blacklist", ListAsync);
        api.MapPost("/{id}/blacklist", BlockAsync);
        api.MapPut("/{id}/blacklist", UpdateAsync);
        api.MapDelete("/{id}/blacklist", UnblockAsync);
        return app;
    }

    private static async Task<Results<Ok<ListPage<VideoBlockDto>>, BadRequestProblem>> ListAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db,
        IOptions<InstanceOptions> instance, VideoUrls urls, CancellationToken ct)
    {
        var list = ListQuery.Read(request, SortColumns, "-id");
        var query = db.VideoBlocks.AsNoTracking();
        var type = request.Query["type"].ToString();
        if (type.Length > 0)
        {
            if (type is not ("1" or "2"))
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["type"] = "Should have a valid type: 1 (manual) or 2 (automatic)." });
            }

            var wanted = type == "1" ? VideoBlockType.Manual : VideoBlockType.AutoBeforePublished;
            query = query.Where(b => b.Type == wanted);
        }

        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var pattern = $"%{search.ToLowerInvariant()}%";
            query = query.Where(b => EF.Functions.Like(b.Video!.Name.ToLower(), pattern));
        }

        var total = await query.CountAsync(ct);
        var d = list.Descending;
        var ordered = list.Column switch
        {
            "createdAt" => d ? query.OrderByDescending(b => b.CreatedAt) : query.OrderBy(b => b.CreatedAt),
            "name" => d ? query.OrderByDescending(b => b.Video!.Name) : query.OrderBy(b => b.Video!.Name),
            "duration" => d ? query.OrderByDescending(b => b.Video!.Duration) : query.OrderBy(b => b.Video!.Duration),
            "views" => d ? query.OrderByDescending(b => b.Video!.Views) : query.OrderBy(b => b.Video!.Views),
            "likes" => d ? query.OrderByDescending(b => b.Video!.Likes) : query.OrderBy(b => b.Video!.Likes),
            _ => d ? query.OrderByDescending(b => b.Id) : query.OrderBy(b => b.Id),
        };
        var rows = await ordered.ThenBy(b => b.Id).Skip(list.Start).Take(list.Count)
            .Include(b => b.Video!).ThenInclude(v => v.Channel!).ThenInclude(c => c.Account!).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<VideoBlockDto>(total, rows.Select(b => new VideoBlockDto(b.Id, b.Reason, b.Unfederated, (int)b.Type,
            b.CreatedAt, b.UpdatedAt, VideoDtos.Summary(b.Video!, instance.Value, urls, principal))).ToList()));
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem, ConflictProblem>> BlockAsync(string id, BlockVideoRequest? body,
        ClaimsPrincipal principal, AppDbContext db, FederateVideoJob federation, ModerationLog log, TimeProvider clock, CancellationToken ct)
    {
        if (ReasonError(body?.Reason) is { } error)
        {
            return error;
        }

        var video = await VideoAccess.FindAsync(db, id, ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var unfederate = body?.Unfederate == true;
        if (unfederate && !video.IsLocal)
        {
            return ApiProblem.Conflict("Cannot unfederate a remote video.");
        }

        if (await db.VideoBlocks.AnyAsync(b => b.VideoId == video.Id, ct))
        {
            return ApiProblem.Conflict("This video is already blocked.");
        }

        var now = clock.GetUtcNow();
        db.VideoBlocks.Add(new VideoBlock
        {
            VideoId = video.Id, Reason = Trimmed(body?.Reason), Unfederated = unfederate, Type = VideoBlockType.Manual, CreatedAt = now, UpdatedAt = now,
        });
        log.Record(principal, "video-block", VideoTarget(video), Trimmed(body?.Reason) + (unfederate ? " (unfederated)" : ""));
        if (unfederate && video.State == VideoState.Published && !VideoUrls.IsPrivateLike(video))
        {
            // The Delete's delivery rows commit with the block (the outbox saves both).
            await federation.SendDeleteAsync(video, ct);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem>> UpdateAsync(string id, UpdateVideoBlockRequest? body,
        ClaimsPrincipal principal, AppDbContext db, ModerationLog log, TimeProvider clock, CancellationToken ct)
    {
        if (ReasonError(body?.Reason) is { } error)
        {
            return error;
        }

        var video = await VideoAccess.FindAsync(db, id, ct);
        var block = video is null ? null : await db.VideoBlocks.FirstOrDefaultAsync(b => b.VideoId == video.Id, ct);
        if (block is null)
        {
            return ApiProblem.NotFound("Blocked video not found.");
        }

        block.Reason = Trimmed(body?.Reason);
        block.UpdatedAt = clock.GetUtcNow();
        log.Record(principal, "video-block-update", VideoTarget(video!), block.Reason);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFoundProblem>> UnblockAsync(string id, ClaimsPrincipal principal, AppDbContext db,
        FederateVideoJob federation, ModerationLog log, CancellationToken ct)
    {
        var video = await VideoAccess.FindAsync(db, id, ct);
        var block = video is null ? null : await db.VideoBlocks.FirstOrDefaultAsync(b => b.VideoId == video.Id, ct);
        if (block is null)
        {
            return ApiProblem.NotFound("Blocked video not found.");
        }

        db.VideoBlocks.Remove(block);
        log.Record(principal, "video-unblock", VideoTarget(video!), null);
        await db.SaveChangesAsync(ct);
        if (block.Unfederated)
        {
            // The followers forgot it (or never heard of it, when it was held on upload): announce it as new.
            await federation.RunAsync(video!.Id, "Create", ct);
        }

        return TypedResults.NoContent();
    }

    private static BadRequestProblem? ReasonError(string? reason) =>
        reason is not null && reason.Trim().Length is > 0 and (< 2 or > 300)
            ? ApiProblem.InvalidParams(new Dictionary<string, string> { ["reason"] = "Should have a valid reason (2 to 300 characters)." })
            : null;

    private static string? Trimmed(string? reason) => string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();

    private static string VideoTarget(Video video) => $"video {video.Uuid} ({video.Name})";
}
