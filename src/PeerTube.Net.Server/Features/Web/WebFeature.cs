namespace PeerTube.Net.Server.Features.Web;

/// <summary>The server-rendered pages (home, watch, embed, channels, upload, my videos, admin). See docs/web-contract.md.</summary>
public static class WebFeature
{
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        return builder;
    }

    /// <summary>Lets page requests (GET/HEAD outside /api) authenticate with the pt_token cookie; see docs/web-contract.md.</summary>
    public static IApplicationBuilder UseWebSession(this IApplicationBuilder app)
    {
        return app;
    }

    public static IEndpointRouteBuilder MapWeb(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
