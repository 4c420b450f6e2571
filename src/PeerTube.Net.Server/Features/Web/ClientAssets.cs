using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>
/// /client/…: the browser scripts vite builds into the output's client/ folder, and the site's stylesheet, which
/// ships inside this assembly. Names are not hashed, so browsers revalidate (no-cache) and get 304s.
/// </summary>
public static class ClientAssets
{
    private const string NoCache = "no-cache";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new()
    {
        Mappings = { [".map"] = "application/json", [".mjs"] = "text/javascript" },
    };
    private static readonly Lazy<(byte[] Bytes, EntityTagHeaderValue Tag)> SiteCss = new(LoadSiteCss);

    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "client");

    public static IEndpointRouteBuilder MapClientAssets(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/client/site.css", [HttpMethods.Get, HttpMethods.Head], ServeSiteCss);
        app.MapMethods("/client/{**path}", [HttpMethods.Get, HttpMethods.Head], Serve);
        return app;
    }

    private static IResult ServeSiteCss(HttpContext http)
    {
        var (bytes, tag) = SiteCss.Value;
        http.Response.Headers.CacheControl = NoCache;
        return TypedResults.Bytes(bytes, "text/css; charset=utf-8", entityTag: tag);
    }

    private static IResult Serve(string? path, HttpContext http)
    {
        var file = Resolve(path);
        if (file is null || !ContentTypes.TryGetContentType(file.Name, out var contentType))
        {
            return Page.NotFound(http);
        }

        http.Response.Headers.CacheControl = NoCache;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        if (contentType.StartsWith("text/", StringComparison.Ordinal) && !contentType.Contains("charset", StringComparison.Ordinal))
        {
            contentType += "; charset=utf-8";
        }

        return TypedResults.PhysicalFile(file.FullName, contentType, lastModified: file.LastWriteTimeUtc, enableRangeProcessing: true);
    }

    /// <summary>A file under client/, never outside it, never a dot-file.</summary>
    private static FileInfo? Resolve(string? path)
    {
        if (string.IsNullOrEmpty(path) || path.Split('/').Any(segment => segment.Length == 0 || segment.StartsWith('.') || segment.Contains('\\')))
        {
            return null;
        }

        var root = Path.GetFullPath(Root) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            return null;
        }

        var file = new FileInfo(full);
        return file.Exists ? file : null;
    }

    private static (byte[], EntityTagHeaderValue) LoadSiteCss()
    {
        using var stream = typeof(ClientAssets).Assembly.GetManifestResourceStream(WebFeature.SiteCssResource)
            ?? throw new InvalidOperationException($"The stylesheet resource {WebFeature.SiteCssResource} is missing from the build.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var tag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        return (bytes, tag);
    }
}
