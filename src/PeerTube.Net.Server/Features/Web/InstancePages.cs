using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record AboutSection(string Id, string Title, string Html);

/// <summary>One field of the settings page: its place in PeerTube's CustomConfig and its current value.</summary>
public sealed record SettingsField(string Id, string Path, string Label, string Kind, string Value, bool Multiline = false, bool Markdown = false);

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
        pages.MapMethods("/about", WebEndpoints.PageMethods, About);
        pages.MapMethods("/about/instance", WebEndpoints.PageMethods, About);
        pages.MapMethods("/admin/settings", WebEndpoints.PageMethods, SettingsAsync);
        return pages;
    }

    private static readonly (string Path, string Label, bool Multiline, bool Markdown)[] SettingsFields =
    [
        ("instance.name", "Name", false, false), ("instance.shortDescription", "Short description", false, false),
        ("instance.description", "Description", true, true), ("instance.terms", "Terms", true, true), ("instance.codeOfConduct", "Code of conduct", true, true),
        ("instance.moderationInformation", "Moderation information", true, true), ("instance.administrator", "Who runs it", true, true),
        ("broadcastMessage.enabled", "Show a broadcast message", false, false), ("broadcastMessage.message", "Broadcast message", true, true),
        ("user.videoQuota", "Default video quota of new users (bytes, -1 = unlimited)", false, false),
        ("user.videoQuotaDaily", "Default daily video quota of new users (bytes, -1 = unlimited)", false, false),
    ];

    private static IResult SettingsAsync(HttpContext http, CustomConfigStore store, IOptions<InstanceOptions> instance, IConfiguration configuration)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsAdmin())
        {
            return Page.Forbidden(http);
        }

        var effective = CustomConfigDocument.Effective(CustomConfigDocument.Defaults(instance.Value, configuration), store.Current);
        var fields = SettingsFields.Select(f =>
        {
            System.Text.Json.Nodes.JsonNode? node = effective;
            foreach (var key in f.Path.Split('.'))
            {
                node = node?[key];
            }

            var kind = node?.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.Number => "number",
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "boolean",
                _ => "string",
            };
            var value = kind == "string" ? node?.GetValue<string>() ?? "" : node?.ToJsonString() ?? "";
            return new SettingsField(f.Path.Replace('.', '-'), f.Path, f.Label, kind, value, f.Multiline, f.Markdown);
        }).ToList();
        return Page.Of<Settings>(new Dictionary<string, object?>
        {
            [nameof(Settings.Frame)] = Page.Frame(http),
            [nameof(Settings.Fields)] = fields,
        });
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
