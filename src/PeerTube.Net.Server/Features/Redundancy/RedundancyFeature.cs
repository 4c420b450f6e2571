using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// Redundancy: copies of other instances' videos, kept here by strategies or by hand, served under
/// /static/redundancy/hls/&lt;uuid&gt;/ (playlists included, so a video stays playable while its origin is down), and
/// announced as CacheFiles; and others' copies of ours, listed to players as extra sources.
/// </summary>
public static class RedundancyFeature
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static WebApplicationBuilder AddRedundancy(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RedundancyOptions>().BindConfiguration(RedundancyOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<MirrorsInProgress>();
        services.AddVideoDetailsPart<RedundancyDetailsPart>();
        services.AddVideoEventHandler<RedundancyVideoEvents>();
        services.AddActivityHandler<CacheFileHandler>();
        services.AddScoped<Torrents.IWebSeedMirrors, RedundancyWebSeeds>();
        services.AddScoped<MirrorVideoJob>();
        services.AddScoped<CacheFileAnnouncer>();
        services.AddScoped<CacheFileInbox>();
        services.AddScoped<RedundancyPlanner>();
        services.AddHostedService<RedundancyScheduler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapRedundancy(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/static/redundancy/hls/{uuid:guid}/{file}", GetOrHead, ServeAsync);
        app.MapGet("/redundancy/streaming-playlists/hls/{uuid:guid}", CacheFileAsync);
        var admin = app.MapGroup("/api/v1/server/redundancy").RequireAuthorization();
        admin.MapGet("/videos", ListAsync);
        admin.MapPost("/videos", MirrorAsync).DisableAntiforgery();
        admin.MapDelete("/videos/{redundancyId:int}", RemoveAsync);
        admin.MapPut("/{host}", AllowHostAsync).DisableAntiforgery();
        return app;
    }

    /// <summary>The files of one of our ready copies, with ranges and the same caching as our own HLS files.</summary>
    private static async Task<IResult> ServeAsync(Guid uuid, string file, HttpContext http, AppDbContext db, StoragePaths paths)
    {
        var copy = await db.VideoRedundancies.AsNoTracking()
            .Where(r => r.MirrorHost == null && r.State == RedundancyState.Ready && r.Video!.Uuid == uuid)
            .Select(r => new { r.Id }).FirstOrDefaultAsync(http.RequestAborted);
        var path = StoragePaths.SafeJoin(MirrorVideoJob.Directory(paths, uuid), file);
        if (copy is null || path is null || !File.Exists(path))
        {
            return ApiProblem.NotFound("File not found.");
        }

        if (HttpMethods.IsGet(http.Request.Method))
        {
            var length = new FileInfo(path).Length;
            var served = http.Request.GetTypedHeaders().Range is { Ranges.Count: 1 } range && range.Ranges.First() is var r
                ? (r.To ?? length - 1) - (r.From ?? length - (r.To ?? 0)) + 1
                : length;
            await db.VideoRedundancies.Where(x => x.Id == copy.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.BytesServed, x => x.BytesServed + Math.Clamp(served, 0, length)), http.RequestAborted);
        }

        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        http.Response.Headers.AccessControlAllowOrigin = "*";
        var type = file.EndsWith(".m3u8", StringComparison.Ordinal) ? "application/vnd.apple.mpegurl"
            : file.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "video/mp4";
        return TypedResults.PhysicalFile(path, type, enableRangeProcessing: true, lastModified: File.GetLastWriteTimeUtc(path));
    }

    private static async Task<IResult> CacheFileAsync(Guid uuid, AppDbContext db, ActivityObjects objects, CancellationToken ct)
    {
        var copy = await db.VideoRedundancies.AsNoTracking().Include(r => r.Video)
            .FirstOrDefaultAsync(r => r.MirrorHost == null && r.State == RedundancyState.Ready && r.Video!.Uuid == uuid, ct);
        if (copy?.Video is null)
        {
            return ApiProblem.NotFound("Video redundancy not found.");
        }

        var doc = ActivityJson.WithContext(CacheFileAnnouncer.CacheFile(copy.Url, objects.VideoUrl(copy.Video), copy.ExpiresAt, copy.BaseUrl));
        return TypedResults.Text(doc.ToJsonString(ActivityJson.Options), "application/activity+json; charset=utf-8");
    }

    /// <summary>
    /// PeerTube's list: <c>target=remote-videos</c> (our copies of others' videos) or <c>my-videos</c> (others' copies of
    /// ours), each video with its copies under <c>redundancies.streamingPlaylists</c>. Ours also say how much they served.
    /// </summary>
    private static async Task<IResult> ListAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, IOptions<RedundancyOptions> options,
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
        var videos = copies.GroupBy(r => r.VideoId).Select(g => new
        {
            id = g.Key,
            name = g.First().Video!.Name,
            url = g.First().Video!.RemoteUrl,
            uuid = g.First().Video!.Uuid,
            redundancies = new
            {
                files = Array.Empty<object>(),
                streamingPlaylists = g.Select(r => new
                {
                    id = r.Id, fileUrl = r.BaseUrl, strategy = r.Strategy, host = r.MirrorHost, state = r.State.ToString().ToLowerInvariant(),
                    error = r.Error, size = r.Size, bytesServed = r.BytesServed, createdAt = r.CreatedAt, updatedAt = r.CreatedAt,
                    expiresOn = r.Strategy == "manual" ? (DateTimeOffset?)null : r.ExpiresAt,
                }),
            },
        }).ToList();
        var used = copies.Where(r => r.MirrorHost == null).GroupBy(r => r.Strategy ?? "manual")
            .ToDictionary(g => g.Key, g => g.Where(r => r.State != RedundancyState.Failed).Sum(r => r.Size));
        return TypedResults.Ok(new
        {
            total = videos.Count,
            data = (page.Descending ? videos.AsEnumerable().Reverse() : videos).Skip(page.Start).Take(page.Count),
            strategies = options.Value.Strategies.Select(s => new { strategy = s.Strategy, totalSize = s.SizeBytes, totalUsed = used.GetValueOrDefault(s.Strategy) }),
        });
    }

    /// <summary>POST { videoId }: copy one remote video by hand (strategy "manual", no expiry).</summary>
    private static async Task<IResult> MirrorAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, RedundancyPlanner planner, CancellationToken ct)
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
            return new ApiProblem(409, "This video is already copied.", "video_already_copied");
        }

        if (existing is not null)
        {
            db.VideoRedundancies.Remove(existing); // A failed copy is tried again from the start.
            await db.SaveChangesAsync(ct);
        }

        await planner.CreateAsync(video, "manual", ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RemoveAsync(int redundancyId, ClaimsPrincipal principal, AppDbContext db, RedundancyPlanner planner, CancellationToken ct)
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
    private static async Task<IResult> AllowHostAsync(string host, HttpRequest request, ClaimsPrincipal principal, AppDbContext db, CancellationToken ct)
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
