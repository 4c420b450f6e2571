using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>Renders a page component as a whole HTML document, with the headers every page carries.</summary>
public sealed class Page : IResult, IStatusCodeHttpResult
{
    private readonly IResult _component;
    private readonly bool _embeddable;

    private Page(IResult component, int status, bool embeddable)
    {
        _component = component;
        StatusCode = status;
        _embeddable = embeddable;
    }

    public int? StatusCode { get; }

    public static Page Of<TComponent>(object parameters, int status = StatusCodes.Status200OK) where TComponent : IComponent =>
        new(new RazorComponentResult<TComponent>(parameters) { StatusCode = status }, status, embeddable: false);

    /// <summary>The embed player: any site may frame it.</summary>
    public static Page Embeddable<TComponent>(object parameters, int status = StatusCodes.Status200OK) where TComponent : IComponent =>
        new(new RazorComponentResult<TComponent>(parameters) { StatusCode = status }, status, embeddable: true);

    public static PageFrame Frame(HttpContext http) =>
        new(http.RequestServices.GetRequiredService<CustomConfigStore>().InstanceName, Viewer.From(http.User),
            http.Request.Path.Value + http.Request.QueryString.Value);

    public static Page NotFound(HttpContext http, bool embeddable = false) =>
        Status(http, StatusCodes.Status404NotFound, "Page not found", "There is nothing here. It may have been removed, or the link may be wrong.",
            embeddable);

    /// <summary>Never says what is behind the door: the same page for any private video.</summary>
    public static Page SignInRequired(HttpContext http, bool embeddable = false) =>
        Status(http, StatusCodes.Status401Unauthorized, "Sign in required", "You need to sign in to see this page.", embeddable, signIn: true);

    public static Page Forbidden(HttpContext http, bool embeddable = false) =>
        Status(http, StatusCodes.Status403Forbidden, "Access denied", "Your account is not allowed to see this page.", embeddable);

    public static Page Error(HttpContext http) =>
        Status(http, StatusCodes.Status500InternalServerError, "Something went wrong", "The server could not show this page. Please try again later.");

    private static Page Status(HttpContext http, int status, string title, string message, bool embeddable = false, bool signIn = false)
    {
        var parameters = new Dictionary<string, object?>
        {
            [nameof(StatusPage.Frame)] = Frame(http),
            [nameof(StatusPage.Status)] = status,
            [nameof(StatusPage.Title)] = title,
            [nameof(StatusPage.Message)] = message,
            [nameof(StatusPage.ShowSignIn)] = signIn,
        };
        return embeddable ? Embeddable<StatusPage>(parameters, status) : Of<StatusPage>(parameters, status);
    }

    /// <summary>302 to the sign-in page, which sends the viewer back here afterwards.</summary>
    public static IResult RedirectToLogin(HttpContext http) =>
        TypedResults.Redirect(PageFrame.LoginUrlFor(http.Request.Path.Value + http.Request.QueryString.Value));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var headers = httpContext.Response.Headers;
        if (_embeddable)
        {
            headers.ContentSecurityPolicy = "frame-ancestors *";
        }
        else
        {
            headers.XFrameOptions = "SAMEORIGIN";
        }

        headers.XContentTypeOptions = "nosniff";
        // Pages depend on who is signed in.
        headers.CacheControl = "private, no-cache";
        return _component.ExecuteAsync(httpContext);
    }
}
