namespace PeerTube.Net.Server.Features.Web;

/// <summary>The server-rendered pages (home, watch, embed, channels, upload, my videos, admin). See docs/web-contract.md.</summary>
public static class WebFeature
{
    /// <summary>Features/Web/site.css, embedded by the project file under this name.</summary>
    public const string SiteCssResource = "PeerTube.Net.Server.Features.Web.site.css";

    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddSingleton<Markdown>();
        return builder;
    }

    /// <summary>Lets page requests (GET/HEAD outside /api) authenticate with the pt_token cookie; see docs/web-contract.md.</summary>
    public static IApplicationBuilder UseWebSession(this IApplicationBuilder app) => app.Use(WebSession.InvokeAsync);
}
