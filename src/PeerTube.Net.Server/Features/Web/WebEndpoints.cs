using Microsoft.AspNetCore.Routing.Patterns;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>The pages' routes (home, watch, embed, channels, upload, my videos, admin), their assets, oEmbed, and the HTML 404.</summary>
public static class WebEndpoints
{
    /// <summary>Paths that belong to programs, not people: an unknown one stays a JSON problem, not an HTML page.</summary>
    private static readonly string[] MachinePrefixes = ["/api", "/static", "/lazy-static", "/download", "/hubs", "/tracker", "/services"];

    /// <summary>A page answers GET and HEAD. Pages are mapped with <c>MapMethods(pattern, PageMethods, handler)</c> at their call
    /// sites, not through a helper taking a <see cref="Delegate"/>, so that the request delegate generator builds them at compile time.</summary>
    internal static readonly string[] PageMethods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapWeb(this IEndpointRouteBuilder app)
    {
        app.MapClientAssets();
        app.MapOEmbed();
        app.MapJobsDashboard();

        var pages = app.MapGroup("").AddEndpointFilter(ErrorPageAsync);
        pages.MapBrowsePages();
        pages.MapWatchPages();
        pages.MapLibraryPages();
        pages.MapPlaylistPages();
        pages.MapAdminPages();
        pages.MapModerationPages();
        pages.MapInstancePages();
        pages.MapAccountPages();
        pages.MapSubscriptionPages();
        pages.MapProfilePages();
        pages.MapWatchedWordsPages();

        var unknown = RoutePatternFactory.Parse("/{**path}", defaults: null, parameterPolicies: new { path = new PagePathConstraint() });
        pages.Map(unknown, (RequestDelegate)(http => Page.NotFound(http).ExecuteAsync(http))).WithMetadata(new HttpMethodMetadata(PageMethods));
        return app;
    }

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
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebEndpoints)).LogError(e, "Page {Path} failed", http.Request.Path);
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
