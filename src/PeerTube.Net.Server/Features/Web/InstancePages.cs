using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record AboutSection(string Id, string Title, string Html);

/// <summary>The about page (/about): the instance as its administrator describes it in the custom configuration.</summary>
public static class InstancePages
{
    private static readonly (string Key, string Title)[] Texts =
    [
        ("description", "About this instance"), ("terms", "Terms"), ("codeOfConduct", "Code of conduct"),
        ("moderationInformation", "Moderation"), ("administrator", "Who runs it"), ("creationReason", "Why it exists"),
        ("maintenanceLifetime", "How long it will be kept up"), ("businessModel", "How it is paid for"), ("hardwareInformation", "Hardware"),
    ];

    public static RouteGroupBuilder MapInstancePages(this RouteGroupBuilder pages)
    {
        pages.MapPage("/about", About);
        pages.MapPage("/about/instance", About);
        return pages;
    }

    private static IResult About(HttpContext http, CustomConfigStore store, Markdown markdown, IOptions<InstanceOptions> instance)
    {
        var sections = Texts
            .Select(t => (t.Key, t.Title, Text: store.String("instance", t.Key)))
            .Where(t => t.Text is not null)
            .Select(t => new AboutSection(t.Key, t.Title, markdown.ToHtml(t.Text)))
            .ToList();
        return Page.Of<About>(new Dictionary<string, object?>
        {
            [nameof(Pages.About.Frame)] = Page.Frame(http),
            [nameof(Pages.About.Name)] = store.InstanceName,
            [nameof(Pages.About.ShortDescription)] = store.String("instance", "shortDescription") ?? "A PeerTube-compatible video server.",
            [nameof(Pages.About.Sections)] = sections,
        });
    }
}
