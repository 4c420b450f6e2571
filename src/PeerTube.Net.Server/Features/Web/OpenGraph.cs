using System.Globalization;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>A &lt;meta&gt; of the head: OpenGraph tags use <c>property</c>, Twitter's use <c>name</c>.</summary>
public sealed record MetaTag(string? Property, string? Name, string Content)
{
    public static MetaTag Og(string property, string content) => new(property, null, content);
    public static MetaTag Named(string name, string content) => new(null, name, content);
}

/// <summary>What a watch page tells link previews: OpenGraph, the Twitter player card, oEmbed discovery (as PeerTube does).</summary>
public sealed record WatchHead(string Title, string Description, string CanonicalUrl, string? OEmbedUrl, IReadOnlyList<MetaTag> Meta)
{
    /// <summary>PeerTube's embed size, used by its cards and oEmbed.</summary>
    public const int EmbedWidth = 560, EmbedHeight = 315;

    public static WatchHead For(Video video, InstanceOptions instance)
    {
        var shortUuid = ShortUuid.FromGuid(video.Uuid);
        var watchUrl = instance.Absolute($"/w/{shortUuid}");
        var embedUrl = instance.Absolute($"/videos/embed/{video.Uuid}");
        var description = Markdown.ToPlainText(video.Description, 200);
        var image = video.PreviewFilename is null ? null : instance.Absolute($"/lazy-static/previews/{video.PreviewFilename}");
        var isShareable = video.Privacy is VideoPrivacy.Public or VideoPrivacy.Unlisted;

        var meta = new List<MetaTag>
        {
            MetaTag.Named("description", description),
            MetaTag.Og("og:type", "video.other"),
            MetaTag.Og("og:site_name", instance.Name),
            MetaTag.Og("og:title", video.Name),
            MetaTag.Og("og:url", watchUrl),
            MetaTag.Og("og:description", description),
            MetaTag.Og("og:video:url", embedUrl),
            MetaTag.Og("og:video:secure_url", embedUrl),
            MetaTag.Og("og:video:type", "text/html"),
            MetaTag.Og("og:video:width", EmbedWidth.ToString(CultureInfo.InvariantCulture)),
            MetaTag.Og("og:video:height", EmbedHeight.ToString(CultureInfo.InvariantCulture)),
            MetaTag.Named("twitter:card", "player"),
            MetaTag.Named("twitter:site", "@PeerTube"),
            MetaTag.Named("twitter:title", video.Name),
            MetaTag.Named("twitter:description", description),
            MetaTag.Named("twitter:player", embedUrl),
            MetaTag.Named("twitter:player:width", EmbedWidth.ToString(CultureInfo.InvariantCulture)),
            MetaTag.Named("twitter:player:height", EmbedHeight.ToString(CultureInfo.InvariantCulture)),
        };
        if (image is not null)
        {
            meta.Add(MetaTag.Og("og:image", image));
            meta.Add(MetaTag.Og("og:image:width", VideoTranscoder.PreviewWidth.ToString(CultureInfo.InvariantCulture)));
            meta.Add(MetaTag.Og("og:image:height", VideoTranscoder.PreviewHeight.ToString(CultureInfo.InvariantCulture)));
            meta.Add(MetaTag.Named("twitter:image", image));
        }

        if (video.Privacy != VideoPrivacy.Public)
        {
            meta.Add(MetaTag.Named("robots", "noindex"));
        }

        return new WatchHead($"{video.Name} - {instance.Name}", description, watchUrl,
            isShareable ? instance.Absolute("/services/oembed?url=" + Uri.EscapeDataString(watchUrl)) : null, meta);
    }
}
