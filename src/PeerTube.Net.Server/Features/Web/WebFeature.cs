using Microsoft.AspNetCore.Routing.Patterns;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The server-rendered pages (home, watch, embed, channels, upload, my videos, admin). See docs/web-contract.md.</summary>
public static class WebFeature
{
    /// <summary>Features/Web/site.css, embedded by the project file under this name.</summary>
    public const string SiteCssResource = "PeerTube.Net.Server.Features.Web.site.css";

    /// <summary>Paths that belong to programs, not people: an unknown one stays a JSON problem, not an HTML page.</summary>
    private static readonly string[] MachinePrefixes = ["/api", "/static", "/lazy-static", "/download", "/hubs", "/tracker", "/services"];

    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.AddSingleton<Markdown>();
        return builder;
    }

    /// <summary>Lets page requests (GET/HEAD outside /api) authenticate with the pt_token cookie; see docs/web-contract.md.</summary>
    public static IApplicationBuilder UseWebSession(this IApplicationBuilder app) => app.Use(WebSession.InvokeAsync);

    public static IEndpointRouteBuilder MapWeb(this IEndpointRouteBuilder app)
    {
        app.MapClientAssets();
        app.MapOEmbed();
        app.MapJobsDashboard();

        var pages = app.MapGroup("").AddEndpointFilter(ErrorPageAsync);
        pages.MapBrowsePages();
        pages.MapWatchPages();
        pages.MapLibraryPages();
        pages.MapAdminPages();

        var unknown = RoutePatternFactory.Parse("/{**path}", defaults: null, parameterPolicies: new { path = new PagePathConstraint() });
        pages.Map(unknown, (HttpContext http) => Page.NotFound(http)).WithMetadata(new HttpMethodMetadata(GetOrHead));
        return app;
    }

    /// <summary>A page answers GET and HEAD.</summary>
    public static RouteHandlerBuilder MapPage(this IEndpointRouteBuilder pages, string pattern, Delegate handler) =>
        pages.MapMethods(pattern, GetOrHead, handler);

    /// <summary>A page that fails shows an HTML error page (logged), not the API's JSON problem.</summary>
    private static async ValueTask<object?> ErrorPageAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebFeature)).LogError(e, "Page {Path} failed", http.Request.Path);
            return Page.Error(http);
        }
    }

    /// <summary>Matches any path but the machine ones, so that an unknown page is a 404 page.</summary>
    private sealed class PagePathConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            httpContext is null || !MachinePrefixes.Any(prefix => httpContext.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase));
    }
}
