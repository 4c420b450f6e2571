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
    private const string PrivateCache = HlsFiles.PrivateCache;

    /// <summary>
    /// For nginx in front (docker/nginx/peertube-net.conf): its <c>auth_request</c> asks here whether the request in
    /// <c>X-Original-URI</c>, with the client's own credentials, may have the HLS file, then serves it from disk.
    /// </summary>
    public const string HlsAccessPath = "/internal/hls-access";
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapStreaming(this IEndpointRouteBuilder app)
    {
        // The plain cases are answered before routing by HlsFiles.UseHlsFiles; these routes answer the rest the same way.
        app.MapMethods("/static/streaming-playlists/hls/private/{uuid:guid}/{file}", GetOrHead, (Guid uuid, string file, HttpContext http, HlsFiles files) =>
            files.ServeAsync(uuid, file, privatePath: true, http));
        app.MapMethods("/static/streaming-playlists/hls/{uuid:guid}/{file}", GetOrHead, (Guid uuid, string file, HttpContext http, HlsFiles files) =>
            files.ServeAsync(uuid, file, privatePath: false, http));
        app.MapGet(HlsAccessPath, HlsAccessAsync).ExcludeFromDescription();
        app.MapGet("/lazy-static/thumbnails/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Thumbnail, file, ct));
        app.MapGet("/static/thumbnails/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Thumbnail, file, ct));
        app.MapGet("/lazy-static/previews/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Preview, file, ct));
        app.MapGet("/static/previews/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.Preview, file, ct));
        app.MapGet("/lazy-static/avatars/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.ActorImage, file, ct));
        app.MapGet("/lazy-static/banners/{file}", (string file, LazyStaticImages images, CancellationToken ct) =>
            ServeImageAsync(images, LazyImageKind.ActorImage, file, ct));
        app.MapMethods("/download/streaming-playlists/hls/videos/{file}", GetOrHead, DownloadAsync);
        app.MapMethods("/static/web-videos/private/{file}", GetOrHead, (string file, HttpContext http, AppDbContext db, StoragePaths paths,
            VideoFileTokens tokens) => ServeSourceAsync(file, privatePath: true, http, db, paths, tokens));
        app.MapMethods("/static/web-videos/{file}", GetOrHead, (string file, HttpContext http, AppDbContext db, StoragePaths paths,
            VideoFileTokens tokens) => ServeSourceAsync(file, privatePath: false, http, db, paths, tokens));
        return app;
    }

    private static Task<VideoGate?> GateAsync(AppDbContext db, Guid uuid, CancellationToken ct) =>
        db.Videos.AsNoTracking().Where(v => v.Uuid == uuid)
            .Select(v => new VideoGate(v.Id, v.Privacy, v.Channel!.Account!.UserId, v.DownloadEnabled, v.IsLive))
            .FirstOrDefaultAsync(ct);

    private static bool MayWatch(VideoGate gate, Guid uuid, HttpContext http, VideoFileTokens tokens) =>
        VideoAccess.CanView(gate.Privacy, gate.OwnerUserId, http.User)
        || tokens.IsValid(http.Request.Query["videoFileToken"].ToString(), uuid);

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
            || privatePath != VideoUrls.IsPrivateLike(video.Privacy))
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

    /// <summary>
    /// 204 when the client may have the file, 403 otherwise (also for a missing file or the wrong path for the video's
    /// privacy: <c>auth_request</c> knows only 2xx, 401 and 403, and nginx's site hands a refusal to this server, which
    /// then answers the file request itself, 404 or 403 as without nginx). The same decision as <see cref="HlsFiles"/>.
    /// </summary>
    private static async Task<IResult> HlsAccessAsync(HttpContext http, HlsFiles files, StoragePaths paths)
    {
        var original = http.Request.Headers["X-Original-URI"].ToString();
        var query = original.IndexOf('?');
        var path = query < 0 ? original : original[..query];
        if (!HlsFiles.TryParseUrl(Uri.UnescapeDataString(path), out var uuid, out var file, out var privatePath)
            || await files.Gates.GetAsync(uuid, http) is not { } gate
            || privatePath != gate.IsPrivateLike
            || StoragePaths.SafeJoin(paths.HlsDirectory(uuid), file) is not { } onDisk || !File.Exists(onDisk))
        {
            return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
        }

        if (privatePath)
        {
            var token = query < 0 ? "" : Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(original[query..])["videoFileToken"].ToString();
            if (!VideoAccess.CanView(gate.Privacy, gate.OwnerUserId, http.User) && !files.IsValidToken(token, uuid))
            {
                return TypedResults.StatusCode(StatusCodes.Status403Forbidden);
            }
        }

        return TypedResults.NoContent();
    }

    private static string ContentType(string file) => HlsFiles.ContentType(file);
}
