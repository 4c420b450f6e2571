using AngleSharp.Dom;
using Ganss.Xss;
using Markdig;
using Markdig.Syntax;

namespace PeerTube.Net.Server.Infrastructure.Text;

/// <summary>
/// Descriptions are Markdown written by anyone with an account: raw HTML is escaped by the parser, and what the
/// parser makes is then cut down to an allow-list (no images, no styles, links to http(s) and mailto only).
/// </summary>
public sealed class Markdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UseEmphasisExtras()
        .UseSoftlineBreakAsHardlineBreak()
        .Build();

    private readonly HtmlSanitizer _sanitizer;

    public Markdown()
    {
        _sanitizer = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr", "h2", "h3", "h4", "h5", "h6",
            },
            AllowedAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href", "title", "start" },
            AllowedSchemes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "http", "https", "mailto" },
            UriAttributes = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "href" },
            AllowedCssProperties = new HashSet<string>(),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
        });
        // A tag that is not allowed goes but its text stays, as with PeerTube's sanitize-html: Mastodon wraps every
        // mention, hashtag and link text in <span>s, which would otherwise take "@name" and the link text with them.
        // Tags whose content is code or markup, not text, go with their content.
        _sanitizer.KeepChildNodes = true;
        _sanitizer.RemovingTag += (_, e) =>
        {
            if (e.Tag.LocalName is "script" or "style" or "textarea" or "option" or "noscript" or "template" or "iframe" or "object" or "svg" or "math")
            {
                e.Tag.InnerHtml = "";
            }
        };
        // Sanitizing happens after this hook, so rel is set on links that survive only.
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is IElement { LocalName: "a" } link)
            {
                link.SetAttribute("rel", "noopener nofollow");
            }
        };
    }

    /// <summary>Safe HTML for a description; empty for none.</summary>
    public string ToHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }

        var document = Markdig.Markdown.Parse(markdown, Pipeline);
        // A description's headings sit under the page's own h1.
        foreach (var heading in document.Descendants<HeadingBlock>())
        {
            heading.Level = Math.Min(heading.Level + 1, 6);
        }

        return _sanitizer.Sanitize(document.ToHtml(Pipeline));
    }

    /// <summary>HTML from elsewhere (a remote comment's content), with only the safe tags and attributes left.</summary>
    public string SanitizeHtml(string html) => _sanitizer.Sanitize(html);

    /// <summary>The description as one line of plain text, for meta tags.</summary>
    public static string ToPlainText(string? markdown, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return "";
        }

        var text = string.Join(' ', Markdig.Markdown.ToPlainText(markdown, Pipeline)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= maxLength ? text : text[..(maxLength - 1)].TrimEnd() + "…";
    }
}
