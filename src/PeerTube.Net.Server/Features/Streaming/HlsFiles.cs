using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>
/// HLS files at /static/streaming-playlists/hls/[private/]&lt;uuid&gt;/&lt;file&gt;, the route every viewer hits every few
/// seconds. What made it slow (measured, see BENCHMARKS.md "Serving"): a database query per request for the access
/// decision, the whole middleware pipeline (routing, authentication, CORS) in front of a file, and the framework's file
/// sender, which copies through a 64 KiB buffer and waits on the socket after each. Hence:
/// <list type="bullet">
/// <item>access decisions come from <see cref="VideoGates"/> (seconds-long, cleared on privacy changes);</item>
/// <item>playlists come from memory with an ETag (<see cref="PlaylistCache"/>);</item>
/// <item>a rendition file is read straight into Kestrel's response pipe, in large chunks, with a larger response buffer;</item>
/// <item><see cref="UseHlsFiles"/> answers the plain cases (public, or private with a videoFileToken; GET or HEAD; no
///   Origin, no conditional header but If-None-Match, at most one satisfiable range) before routing and authentication.
///   Everything else goes down the pipeline to <see cref="StreamingEndpoints"/>, which answers as it always has.</item>
/// </list>
/// </summary>
public sealed class HlsFiles(StoragePaths paths, VideoGates gates, PlaylistCache playlists, VideoFileTokens tokens, SegmentTraffic traffic)
{
    public const string PublicPrefix = "/static/streaming-playlists/hls/";
    public const string PrivatePrefix = "/static/streaming-playlists/hls/private/";
    // Playlists get it too, as they always have (VOD names are unique). A live playlist rewritten every segment must not:
    // a live's playlists are sent "no-cache" instead (CacheControl), and the ETag then makes each revalidation a 304.
    public const string ImmutableCache = "public, max-age=31536000, immutable";
    public const string PrivateCache = "private, no-store";

    /// <summary>Bytes read from the file per write into the response pipe.</summary>
    private const int ChunkBytes = 256 * 1024;

    public VideoGates Gates => gates;

    /// <summary>The fast path, first in the pipeline after error handling; anything it does not answer goes on unchanged.</summary>
    public static IApplicationBuilder UseHlsFiles(IApplicationBuilder app)
    {
        var files = app.ApplicationServices.GetRequiredService<HlsFiles>();
        return app.Use((http, next) => files.TryServeAsync(http, next));
    }

    /// <summary>Splits /static/streaming-playlists/hls/[private/]&lt;uuid&gt;/&lt;file&gt;; false for anything else.</summary>
    public static bool TryParseUrl(ReadOnlySpan<char> path, out Guid uuid, out string file, out bool privatePath)
    {
        uuid = default;
        file = "";
        privatePath = false;
        if (!path.StartsWith(PublicPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path[PublicPrefix.Length..];
        if (rest.StartsWith("private/", StringComparison.Ordinal))
        {
            privatePath = true;
            rest = rest["private/".Length..];
        }

        var slash = rest.IndexOf('/');
        if (slash <= 0 || !Guid.TryParse(rest[..slash], out uuid))
        {
            return false;
        }

        var name = rest[(slash + 1)..];
        // Escapes and deeper paths are left to routing, which decodes them as it always has.
        if (name.IsEmpty || name.IndexOfAny('/', '%') >= 0)
        {
            return false;
        }

        file = name.ToString();
        return true;
    }

    private async Task TryServeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || !TryParseUrl(request.Path.Value, out var uuid, out var file, out var privatePath)
            // Cross-origin requests get their CORS headers from the CORS middleware, down the pipeline.
            || request.Headers.ContainsKey(HeaderNames.Origin)
            || HasConditionsOtherThanIfNoneMatch(request.Headers))
        {
            await next(http);
            return;
        }

        var gate = await gates.GetAsync(uuid, http);
        var path = StoragePaths.SafeJoin(paths.HlsDirectory(uuid), file);
        // Not ours to answer (missing, the wrong path for its privacy, or a private file without a valid token, where the
        // signed-in owner may still be let in by authentication): the endpoints decide, with their exact answers.
        if (gate is null || path is null || privatePath != gate.IsPrivateLike
            || (privatePath && !tokens.IsValid(request.Query["videoFileToken"].ToString(), uuid)))
        {
            await next(http);
            return;
        }

        var served = PlaylistCache.IsCacheable(file)
            ? await TryServePlaylistAsync(http, path, file, CacheControl(gate, file, privatePath))
            : await TryServeFileAsync(http, uuid, path, file, privatePath);
        if (!served)
        {
            await next(http);
        }
    }

    /// <summary>The endpoints' answer (<see cref="StreamingEndpoints"/>): every case, with the framework's file semantics for the unusual ones.</summary>
    public async Task<IResult> ServeAsync(Guid uuid, string file, bool privatePath, HttpContext http)
    {
        var gate = await gates.GetAsync(uuid, http);
        var path = StoragePaths.SafeJoin(paths.HlsDirectory(uuid), file);
        // A public path never serves a private video and vice versa: the URL itself tells caches what they hold.
        if (gate is null || path is null || privatePath != gate.IsPrivateLike)
        {
            return ApiProblem.NotFound("File not found.");
        }

        var cached = PlaylistCache.IsCacheable(file) ? await playlists.GetAsync(path, http.RequestAborted) : null;
        if (cached is null && !File.Exists(path))
        {
            return ApiProblem.NotFound("File not found.");
        }

        if (privatePath && !MayWatch(gate, uuid, http))
        {
            return ApiProblem.Forbidden("This file is private.");
        }

        if (cached is not null)
        {
            http.Response.Headers.CacheControl = CacheControl(gate, file, privatePath);
            return HasConditionsOtherThanIfNoneMatch(http.Request.Headers) || http.Request.Headers.ContainsKey(HeaderNames.Range)
                ? TypedResults.PhysicalFile(path, ContentType(file), enableRangeProcessing: true, lastModified: cached.LastModified,
                    entityTag: cached.EntityTag)
                : new CachedPlaylistResult(cached, ContentType(file));
        }

        if (await TryServeFileAsync(http, uuid, path, file, privatePath))
        {
            return Results.Empty;
        }

        http.Response.Headers.CacheControl = CacheControl(gate, file, privatePath);
        if (HttpMethods.IsGet(http.Request.Method) && file.EndsWith(".mp4", StringComparison.Ordinal))
        {
            traffic.CountWhenSent(http, uuid);
        }

        return TypedResults.PhysicalFile(path, ContentType(file), enableRangeProcessing: true, lastModified: File.GetLastWriteTimeUtc(path));
    }

    public bool IsValidToken(string? token, Guid uuid) => tokens.IsValid(token, uuid);

    public bool MayWatch(VideoGate gate, Guid uuid, HttpContext http) =>
        VideoAccess.CanView(gate.Privacy, gate.OwnerUserId, http.User)
        || tokens.IsValid(http.Request.Query["videoFileToken"].ToString(), uuid);

    /// <summary>
    /// Immutable for VOD (files never change under their name), private for private ones, and "no-cache" for a live's
    /// playlists and segments-sha256.json, which change every segment (the ETag makes each revalidation a 304; live
    /// segments keep unique names). An immutable sha256 JSON would leave P2P viewers with its first version.
    /// </summary>
    private static string CacheControl(VideoGate gate, string file, bool privatePath) =>
        privatePath ? PrivateCache
        : gate.IsLive && (file.EndsWith(".m3u8", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal)) ? "no-cache"
        : ImmutableCache;

    private async Task<bool> TryServePlaylistAsync(HttpContext http, string path, string file, string cacheControl)
    {
        if (http.Request.Headers.ContainsKey(HeaderNames.Range) || await playlists.GetAsync(path, http.RequestAborted) is not { } cached)
        {
            return false;
        }

        http.Response.Headers.CacheControl = cacheControl;
        await CachedPlaylistResult.WriteAsync(http, cached, ContentType(file));
        return true;
    }

    /// <summary>
    /// A rendition file, whole (200) or one satisfiable range (206), read into the response pipe; false, with nothing
    /// written, for every other case (several ranges, an unsatisfiable one, HEAD with a range, a missing file), which the
    /// framework's file result answers as before.
    /// </summary>
    private async Task<bool> TryServeFileAsync(HttpContext http, Guid uuid, string path, string file, bool privatePath)
    {
        var request = http.Request;
        var rangeHeader = request.Headers.Range;
        var isHead = HttpMethods.IsHead(request.Method);
        if (rangeHeader.Count > 1 || (isHead && rangeHeader.Count > 0)
            || HasConditionsOtherThanIfNoneMatch(request.Headers) || request.Headers.ContainsKey(HeaderNames.IfNoneMatch))
        {
            return false;
        }

        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }

        using (handle)
        {
            var length = RandomAccess.GetLength(handle);
            long start = 0, count = length;
            var partial = rangeHeader.Count == 1;
            if (partial && !TryRange(rangeHeader.ToString(), length, out start, out count))
            {
                return false;
            }

            var response = http.Response;
            response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
            var headers = response.Headers;
            headers.ContentType = ContentType(file);
            headers.AcceptRanges = "bytes";
            headers.LastModified = HeaderUtilities.FormatDate(TrimToSeconds(File.GetLastWriteTimeUtc(handle)));
            headers.CacheControl = privatePath ? PrivateCache : ImmutableCache;
            if (partial)
            {
                headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{start + count - 1}/{length}");
            }

            response.ContentLength = count;
            if (isHead)
            {
                return true;
            }

            if (file.EndsWith(".mp4", StringComparison.Ordinal))
            {
                traffic.CountWhenSent(http, uuid);
            }

            await CopyAsync(handle, start, count, http);
            return true;
        }
    }

    private static async Task CopyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long count, HttpContext http)
    {
        var writer = http.Response.BodyWriter;
        var ct = http.RequestAborted;
        while (count > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(count, ChunkBytes));
            var wanted = (int)Math.Min(memory.Length, count);
            var read = await RandomAccess.ReadAsync(handle, memory[..wanted], offset, ct);
            if (read == 0)
            {
                // The file shrank under us: the promised length cannot be sent, so the connection must not look complete.
                http.Abort();
                return;
            }

            writer.Advance(read);
            offset += read;
            count -= read;
            var flushed = await writer.FlushAsync(ct);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>One byte range, normalised as ASP.NET Core's own range processing does; false when it is not exactly one satisfiable range.</summary>
    private static bool TryRange(string header, long length, out long start, out long count)
    {
        start = 0;
        count = 0;
        if (length == 0 || !RangeHeaderValue.TryParse(header, out var parsed)
            || !StringSegment.Equals(parsed.Unit, "bytes", StringComparison.OrdinalIgnoreCase) || parsed.Ranges.Count != 1)
        {
            return false;
        }

        var range = parsed.Ranges.First();
        if (range.From is { } from)
        {
            if (from >= length)
            {
                return false;
            }

            var to = range.To is { } t && t < length ? t : length - 1;
            start = from;
            count = to - from + 1;
            return true;
        }

        if (range.To is not { } suffix || suffix == 0)
        {
            return false;
        }

        count = Math.Min(suffix, length);
        start = length - count;
        return true;
    }

    private static bool HasConditionsOtherThanIfNoneMatch(IHeaderDictionary headers) =>
        headers.ContainsKey(HeaderNames.IfMatch) || headers.ContainsKey(HeaderNames.IfModifiedSince)
        || headers.ContainsKey(HeaderNames.IfUnmodifiedSince) || headers.ContainsKey(HeaderNames.IfRange);

    private static DateTimeOffset TrimToSeconds(DateTime utc) =>
        new(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, utc.Second, TimeSpan.Zero);

    public static string ContentType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".m3u8" => "application/vnd.apple.mpegurl",
        ".mp4" => "video/mp4",
        ".json" => "application/json",
        ".jpg" => "image/jpeg",
        _ => "application/octet-stream",
    };
}

/// <summary>A playlist from <see cref="PlaylistCache"/>: 200 with its ETag, or 304 when the client already holds it.</summary>
internal sealed class CachedPlaylistResult(PlaylistCache.CachedFile file, string contentType) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext) => WriteAsync(httpContext, file, contentType);

    public static Task WriteAsync(HttpContext http, PlaylistCache.CachedFile file, string contentType)
    {
        var response = http.Response;
        var headers = response.Headers;
        headers.ETag = file.ETag;
        headers.LastModified = file.LastModifiedHeader;
        headers.AcceptRanges = "bytes";
        if (Matches(http.Request.Headers.IfNoneMatch, file.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status200OK;
        headers.ContentType = contentType;
        response.ContentLength = file.Bytes.Length;
        return HttpMethods.IsHead(http.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(file.Bytes, http.RequestAborted).AsTask();
    }

    /// <summary>If-None-Match: "*" or a list of tags, weak or strong (RFC 9110 compares them weakly for GET and HEAD).</summary>
    private static bool Matches(StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (part == "*" || part == etag || (part.StartsWith("W/", StringComparison.Ordinal) && part.AsSpan(2).SequenceEqual(etag)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
