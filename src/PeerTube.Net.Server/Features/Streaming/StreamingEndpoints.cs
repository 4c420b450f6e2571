using System.Globalization;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>
/// Serves media at PeerTube's paths: HLS under /static/streaming-playlists/hls/[private/]&lt;uuid&gt;/, images under
/// /lazy-static/, downloads under /download/. Byte ranges, long cache lifetimes (every file name is unique) and
/// CORS for embeds on other sites. Private videos need the owner's token or a short-lived videoFileToken.
/// </summary>
public static class StreamingEndpoints
{
    private const string ImmutableCache = "public, max-age=31536000, immutable";
    private const string PrivateCache = "private, no-store";
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/static/streaming-playlists/hls/private/{uuid:guid}/{file}", GetOrHead, (Guid uuid, string file, HttpContext http, AppDbContext db,
            StoragePaths paths, VideoFileTokens tokens) => ServeHlsAsync(uuid, file, privatePath: true, http, db, paths, tokens));
        app.MapMethods("/static/streaming-playlists/hls/{uuid:guid}/{file}", GetOrHead, (Guid uuid, string file, HttpContext http, AppDbContext db,
            StoragePaths paths, VideoFileTokens tokens) => ServeHlsAsync(uuid, file, privatePath: false, http, db, paths, tokens));
        app.MapGet("/lazy-static/thumbnails/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Thumbnail, file, ct));
        app.MapGet("/static/thumbnails/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Thumbnail, file, ct));
        app.MapGet("/lazy-static/previews/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Preview, file, ct));
        app.MapGet("/static/previews/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Preview, file, ct));
        app.MapMethods("/download/streaming-playlists/hls/videos/{file}", GetOrHead, DownloadAsync);
        app.MapMethods("/static/web-videos/private/{file}", GetOrHead, (string file, HttpContext http, AppDbContext db, StoragePaths paths,
            VideoFileTokens tokens) => ServeSourceAsync(file, privatePath: true, http, db, paths, tokens));
        app.MapMethods("/static/web-videos/{file}", GetOrHead, (string file, HttpContext http, AppDbContext db, StoragePaths paths,
            VideoFileTokens tokens) => ServeSourceAsync(file, privatePath: false, http, db, paths, tokens));
        return app;
    }

    private sealed record VideoGate(int Id, VideoPrivacy Privacy, int? OwnerUserId, bool DownloadEnabled, bool IsLive = false);

    private static Task<VideoGate?> GateAsync(AppDbContext db, Guid uuid, CancellationToken ct) =>
        db.Videos.AsNoTracking().Where(v => v.Uuid == uuid)
            .Select(v => new VideoGate(v.Id, v.Privacy, v.Channel!.Account!.UserId, v.DownloadEnabled, v.IsLive))
            .FirstOrDefaultAsync(ct);

    private static bool MayWatch(VideoGate gate, Guid uuid, HttpContext http, VideoFileTokens tokens) =>
        VideoAccess.CanView(gate.Privacy, gate.OwnerUserId, http.User)
        || tokens.IsValid(http.Request.Query["videoFileToken"].ToString(), uuid);

    private static async Task<IResult> ServeHlsAsync(Guid uuid, string file, bool privatePath, HttpContext http, AppDbContext db,
        StoragePaths paths, VideoFileTokens tokens)
    {
        var gate = await GateAsync(db, uuid, http.RequestAborted);
        var path = StoragePaths.SafeJoin(paths.HlsDirectory(uuid), file);
        // A public path never serves a private video and vice versa: the URL itself tells caches what they hold.
        if (gate is null || path is null || !File.Exists(path) || privatePath != VideoUrls.IsPrivateLike(new Video { Name = "", Privacy = gate.Privacy }))
        {
            return ApiProblem.NotFound("File not found.");
        }

        if (privatePath && !MayWatch(gate, uuid, http, tokens))
        {
            return ApiProblem.Forbidden("This file is private.");
        }

        // A live's playlists change every segment: caches must ask again (its segments keep unique names).
        http.Response.Headers.CacheControl = privatePath ? PrivateCache
            : gate.IsLive && file.EndsWith(".m3u8", StringComparison.Ordinal) ? "no-cache" : ImmutableCache;
        if (HttpMethods.IsGet(http.Request.Method) && file.EndsWith(".mp4", StringComparison.Ordinal))
        {
            http.RequestServices.GetRequiredService<SegmentTraffic>().CountWhenSent(http, uuid);
        }

        return TypedResults.PhysicalFile(path, ContentType(file), enableRangeProcessing: true,
            lastModified: File.GetLastWriteTimeUtc(path));
    }

    /// <summary>Ours, or a remote video's fetched from its origin on first use; the type is the file's own (an origin may send PNG or WebP).</summary>
    private static async Task<IResult> ServeImageAsync(LazyStaticImages images, LazyImageKind kind, string file, CancellationToken ct)
    {
        if (await images.FindAsync(kind, file, ct) is not { } path)
        {
            return ApiProblem.NotFound("File not found.");
        }

        var head = new byte[12];
        await using (var stream = File.OpenRead(path))
        {
            await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        }

        return TypedResults.PhysicalFile(path, ImageTypes.Sniff(head) ?? "image/jpeg", lastModified: File.GetLastWriteTimeUtc(path));
    }

    /// <summary>/static/web-videos/&lt;uuid&gt;-&lt;resolution&gt;.&lt;ext&gt;: the original upload, while it is waiting for its ladder.</summary>
    private static async Task<IResult> ServeSourceAsync(string file, bool privatePath, HttpContext http, AppDbContext db, StoragePaths paths,
        VideoFileTokens tokens)
    {
        if (file.Length < 36 || !Guid.TryParse(file[..36], out var uuid))
        {
            return ApiProblem.NotFound("File not found.");
        }

        var video = await db.Videos.AsNoTracking().Where(v => v.Uuid == uuid)
            .Select(v => new { v.Id, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId, v.DownloadEnabled, v.SourceFilename })
            .FirstOrDefaultAsync(http.RequestAborted);
        var path = video?.SourceFilename is null ? null : paths.SourceFile(video.SourceFilename);
        if (video is null || path is null || !File.Exists(path)
            || privatePath != VideoUrls.IsPrivateLike(new Video { Name = "", Privacy = video.Privacy }))
        {
            return ApiProblem.NotFound("File not found.");
        }

        // The original upload is the creator's file as sent (its metadata, its size): only they and the moderators fetch it,
        // public video or not. Everyone else waits for the renditions, as on PeerTube, which keeps sources private.
        if (!VideoAccess.IsOwnerOrModerator(video.OwnerUserId, http.User))
        {
            return ApiProblem.NotFound("File not found.");
        }

        http.Response.Headers.CacheControl = PrivateCache;
        return TypedResults.PhysicalFile(path, ContentType(path), enableRangeProcessing: true);
    }

    /// <summary>/download/streaming-playlists/hls/videos/&lt;uuid&gt;-&lt;resolution&gt;-fragmented.mp4, as an attachment.</summary>
    private static async Task<IResult> DownloadAsync(string file, HttpContext http, AppDbContext db, StoragePaths paths, VideoFileTokens tokens)
    {
        const string suffix = "-fragmented.mp4";
        if (!file.EndsWith(suffix, StringComparison.Ordinal) || file.Length < 36 + 2 + suffix.Length
            || !Guid.TryParse(file[..36], out var uuid)
            || !int.TryParse(file[37..^suffix.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var resolution))
        {
            return ApiProblem.NotFound("File not found.");
        }

        var gate = await GateAsync(db, uuid, http.RequestAborted);
        if (gate is null || !MayWatch(gate, uuid, http, tokens))
        {
            return ApiProblem.NotFound("File not found.");
        }

        if (!gate.DownloadEnabled && !VideoAccess.IsOwnerOrAdmin(gate.OwnerUserId, http.User))
        {
            return ApiProblem.Forbidden("Downloads are disabled for this video.");
        }

        var filename = await db.VideoFiles.Where(f => f.StreamingPlaylist!.VideoId == gate.Id && f.Resolution == resolution)
            .Select(f => f.Filename).FirstOrDefaultAsync(http.RequestAborted);
        var path = filename is null ? null : StoragePaths.SafeJoin(paths.HlsDirectory(uuid), filename);
        if (path is null || !File.Exists(path))
        {
            return ApiProblem.NotFound("File not found.");
        }

        return TypedResults.PhysicalFile(path, "video/mp4", fileDownloadName: file, enableRangeProcessing: true);
    }

    private static string ContentType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".mp4" => "video/mp4",
        ".json" => "application/json",
        ".jpg" => "image/jpeg",
        _ => "application/octet-stream",
    };
}
