using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>Our copies' files under /static/redundancy/hls/&lt;uuid&gt;/ and their CacheFile objects.</summary>
public static class RedundancyEndpoints
{
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapRedundancyFiles(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/static/redundancy/hls/{uuid:guid}/{file}", GetOrHead, ServeAsync);
        app.MapGet("/redundancy/streaming-playlists/hls/{uuid:guid}", CacheFileAsync);
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
}
