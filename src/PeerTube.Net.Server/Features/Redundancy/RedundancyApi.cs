using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>PeerTube's /api/v1/server/redundancy: list, add and remove copies, and allow a followed host's videos to be copied.</summary>
public static class RedundancyApi
{
    public static IEndpointRouteBuilder MapRedundancyApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/v1/server/redundancy").WithTags("Redundancy").RequireAuthorization().DisableAntiforgery();
        admin.MapGet("/videos", ListAsync);
        admin.MapPost("/videos", MirrorAsync);
        admin.MapDelete("/videos/{redundancyId:int}", RemoveAsync);
        admin.MapPut("/{host}", AllowHostAsync);
        return app;
    }

    /// <summary>
    /// PeerTube's list: <c>target=remote-videos</c> (our copies of others' videos) or <c>my-videos</c> (others' copies of
    /// ours), each video with its copies under <c>redundancies.streamingPlaylists</c>. Ours also say how much they served.
    /// </summary>
    private static async Task<Results<Ok<RedundancyPage>, BadRequestProblem, ForbiddenProblem>> ListAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, IOptions<RedundancyOptions> options,
        CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage redundancy.");
        }

        var target = request.Query["target"].ToString();
        if (target is not ("remote-videos" or "my-videos"))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["target"] = "Should have a valid target: remote-videos or my-videos." });
        }

        var page = ListQuery.Read(request, new HashSet<string> { "name", "createdAt" }, "name");
        var ours = target == "remote-videos";
        var copies = await db.VideoRedundancies.AsNoTracking().Include(r => r.Video)
            .Where(r => ours ? r.MirrorHost == null : r.MirrorHost != null).OrderBy(r => r.Id).ToListAsync(ct);
        var videos = copies.GroupBy(r => r.VideoId).Select(g => new RedundancyVideoDto(
            g.Key, g.First().Video!.Name, g.First().Video!.RemoteUrl, g.First().Video!.Uuid,
            new RedundancyVideoDto.Copies(Files: [], g.Select(r => new RedundancyVideoDto.Copy(
                r.Id, r.BaseUrl, r.Strategy, r.MirrorHost, r.State.ToString().ToLowerInvariant(), r.Error, r.Size, r.BytesServed, r.CreatedAt,
                UpdatedAt: r.CreatedAt, ExpiresOn: r.Strategy == "manual" ? null : r.ExpiresAt)).ToList()))).ToList();
        var used = copies.Where(r => r.MirrorHost == null).GroupBy(r => r.Strategy ?? "manual")
            .ToDictionary(g => g.Key, g => g.Where(r => r.State != RedundancyState.Failed).Sum(r => r.Size));
        return TypedResults.Ok(new RedundancyPage(
            videos.Count,
            (page.Descending ? videos.AsEnumerable().Reverse() : videos).Skip(page.Start).Take(page.Count).ToList(),
            options.Value.Strategies.Select(s => new RedundancyPage.StrategyUse(s.Strategy, s.SizeBytes, used.GetValueOrDefault(s.Strategy))).ToList()));
    }

    /// <summary>POST { videoId }: copy one remote video by hand (strategy "manual", no expiry).</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem, ConflictProblem>> MirrorAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, RedundancyPlanner planner, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage redundancy.");
        }

        var fields = await Engagement.EngagementFeature.ReadFieldsAsync(request, ct);
        var videoId = fields?.GetValueOrDefault("videoId");
        if (string.IsNullOrEmpty(videoId))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["videoId"] = "Should have a video id." });
        }

        var video = await db.Videos.AsNoTracking().Include(v => v.StreamingPlaylist!).ThenInclude(p => p.Files).ById(videoId).FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (video.IsLocal)
        {
            return ApiProblem.BadRequest("Cannot copy one of our own videos.", "video_is_local");
        }

        if (video.RemotePlaylistUrl is null || video.RemoteSegmentsSha256Url is null || VideoUrls.IsPrivateLike(video))
        {
            return ApiProblem.BadRequest("This video has no public HLS playlist with a sha256 JSON to copy.", "video_not_copyable");
        }

        var existing = await db.VideoRedundancies.FirstOrDefaultAsync(r => r.VideoId == video.Id && r.MirrorHost == null, ct);
        if (existing is { State: not RedundancyState.Failed })
        {
            return ApiProblem.Conflict("This video is already copied.", "video_already_copied");
        }

        if (existing is not null)
        {
            db.VideoRedundancies.Remove(existing); // A failed copy is tried again from the start.
            await db.SaveChangesAsync(ct);
        }

        await planner.CreateAsync(video, "manual", ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> RemoveAsync(int redundancyId, ClaimsPrincipal principal, AppDbContext db, RedundancyPlanner planner, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage redundancy.");
        }

        var copy = await db.VideoRedundancies.Include(r => r.Video).FirstOrDefaultAsync(r => r.Id == redundancyId && r.MirrorHost == null, ct);
        if (copy is null)
        {
            return ApiProblem.NotFound("Video redundancy not found.");
        }

        await planner.DropAsync(copy, "removed by an administrator", ct);
        return TypedResults.NoContent();
    }

    /// <summary>PUT /api/v1/server/redundancy/{host} { redundancyAllowed }: whether our strategies may copy that followed instance's videos.</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> AllowHostAsync(string host, HttpRequest request, ClaimsPrincipal principal, AppDbContext db, CancellationToken ct)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators manage redundancy.");
        }

        var fields = await Engagement.EngagementFeature.ReadFieldsAsync(request, ct);
        if (fields?.GetValueOrDefault("redundancyAllowed") is not ("true" or "false") || !bool.TryParse(fields["redundancyAllowed"], out var allowed))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["redundancyAllowed"] = "Should have a boolean redundancyAllowed." });
        }

        host = host.ToLowerInvariant();
        if (!await db.ActorFollows.AnyAsync(f => f.Follower!.Host == null && f.Target!.Host == host, ct))
        {
            return ApiProblem.NotFound("Server is not followed.");
        }

        var row = await db.RedundancyHosts.FirstOrDefaultAsync(h => h.Host == host, ct);
        if (row is null)
        {
            db.RedundancyHosts.Add(new RedundancyHost { Host = host, Allowed = allowed });
        }
        else
        {
            row.Allowed = allowed;
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }
}

/// <summary>PeerTube's redundancy list: <c>{ total, data, strategies }</c>, each strategy with its size and what it uses.</summary>
public sealed record RedundancyPage(int Total, IReadOnlyList<RedundancyVideoDto> Data, IReadOnlyList<RedundancyPage.StrategyUse> Strategies)
{
    public sealed record StrategyUse(string Strategy, long TotalSize, long TotalUsed);
}

/// <summary>PeerTube's VideoRedundancy: a video and its copies (HLS only, so <c>files</c> is always empty).</summary>
public sealed record RedundancyVideoDto(int Id, string Name, string? Url, Guid Uuid, RedundancyVideoDto.Copies Redundancies)
{
    public sealed record Copies(object[] Files, IReadOnlyList<Copy> StreamingPlaylists);

    /// <summary>One copy; a manual one never expires (<c>expiresOn</c> null).</summary>
    public sealed record Copy(
        int Id, string FileUrl, string? Strategy, string? Host, string State, string? Error, long Size, long BytesServed,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ExpiresOn);
}
