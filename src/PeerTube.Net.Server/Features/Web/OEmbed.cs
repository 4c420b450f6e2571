using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>
/// PeerTube's oEmbed provider (/services/oembed): the embed iframe of one of this instance's public or unlisted
/// videos, for sites that turn a pasted watch link into a player.
/// </summary>
public static class OEmbed
{
    public static IEndpointRouteBuilder MapOEmbed(this IEndpointRouteBuilder app)
    {
        app.MapGet("/services/oembed", GetAsync);
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext http, AppDbContext db, IOptions<InstanceOptions> options, CancellationToken ct)
    {
        var instance = options.Value;
        var query = http.Request.Query;
        if (query["format"].ToString() is { Length: > 0 } format && format != "json")
        {
            return new ApiProblem(StatusCodes.Status501NotImplemented, "Requested format is not implemented on server.");
        }

        var errors = new Dictionary<string, string>();
        var maxWidth = Dimension(query["maxwidth"], "maxwidth", errors);
        var maxHeight = Dimension(query["maxheight"], "maxheight", errors);
        var id = VideoIdFromUrl(query["url"], instance);
        if (id is null)
        {
            errors["url"] = "Should have a valid watch URL of this instance.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var video = await db.Videos.AsNoTracking().Include(v => v.Channel).ById(id!)
            .Where(v => v.Privacy == VideoPrivacy.Public || v.Privacy == VideoPrivacy.Unlisted)
            .FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var width = Math.Min(WatchHead.EmbedWidth, maxWidth ?? int.MaxValue);
        var height = Math.Min(WatchHead.EmbedHeight, maxHeight ?? int.MaxValue);
        var embedUrl = instance.Absolute($"/videos/embed/{video.Uuid}");
        var html = string.Create(CultureInfo.InvariantCulture,
            $"<iframe width=\"{width}\" height=\"{height}\" sandbox=\"allow-same-origin allow-scripts allow-popups allow-forms\" " +
            $"title=\"{WebUtility.HtmlEncode(video.Name)}\" src=\"{WebUtility.HtmlEncode(embedUrl)}\" style=\"border: 0px;\" allowfullscreen></iframe>");

        var response = new Dictionary<string, object?>
        {
            ["type"] = "video",
            ["version"] = "1.0",
            ["html"] = html,
            ["width"] = width,
            ["height"] = height,
            ["title"] = video.Name,
            ["author_name"] = video.Channel!.DisplayName,
            ["author_url"] = instance.Absolute($"/c/{video.Channel.Name}"),
            ["provider_name"] = instance.Name,
            ["provider_url"] = instance.PublicUrl.TrimEnd('/'),
            ["duration"] = video.Duration,
        };
        if (video.PreviewFilename is not null)
        {
            response["thumbnail_url"] = instance.Absolute($"/lazy-static/previews/{video.PreviewFilename}");
            response["thumbnail_width"] = VideoTranscoder.PreviewWidth;
            response["thumbnail_height"] = VideoTranscoder.PreviewHeight;
        }

        return TypedResults.Json(response);
    }

    private static int? Dimension(string? value, string name, Dictionary<string, string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pixels) && pixels > 0)
        {
            return pixels;
        }

        errors[name] = $"Should have a valid {name}.";
        return null;
    }

    /// <summary>The id in /w/{shortUUID} or /videos/watch/{uuid} of a URL on this instance's host; null for anything else.</summary>
    public static string? VideoIdFromUrl(string? url, InstanceOptions instance)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || !string.Equals(uri.Authority, instance.BaseUri.Authority, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var segments = uri.AbsolutePath.Trim('/').Split('/');
        return segments switch
        {
            ["w", var id] => id,
            ["videos", "watch", var id] => id,
            _ => null,
        };
    }
}
