namespace PeerTube.Net.Server.Features.Web;

/// <summary>
/// Lets a browser's page loads carry the signed-in viewer: the <c>pt_token</c> cookie (written by /client/pages.js)
/// becomes a bearer header, but only where a forged cross-site request could change nothing, so the API needs no
/// CSRF tokens. See "Sessions" in docs/web-contract.md.
/// </summary>
public static class WebSession
{
    public const string CookieName = "pt_token";

    public static Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        if (string.IsNullOrEmpty(request.Headers.Authorization) && TokenFor(request) is { } token)
        {
            request.Headers.Authorization = "Bearer " + token;
        }

        return next(http);
    }

    private static string? TokenFor(HttpRequest request)
    {
        var path = request.Path;
        var hub = path.StartsWithSegments("/hubs");
        if (hub && IsToken(request.Query["access_token"].ToString()))
        {
            // SignalR's WebSocket and SSE transports cannot set headers: the token comes in the query.
            return request.Query["access_token"].ToString();
        }

        var cookie = request.Cookies[CookieName];
        if (!IsToken(cookie))
        {
            return null;
        }

        var pageRead = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && !path.StartsWithSegments("/api");
        return pageRead || hub || path.StartsWithSegments("/admin/jobs") ? cookie : null;
    }

    /// <summary>Our tokens are opaque base64url strings; anything else is not worth a header (nor a header injection).</summary>
    private static bool IsToken(string? value) =>
        value is { Length: > 0 and <= 2048 } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '+' or '/' or '=');
}
