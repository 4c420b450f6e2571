using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>The REST API describes itself: /api/v1/openapi.json lists every /api/v1 route, and /api/docs shows it.</summary>
public sealed partial class OpenApiTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private HttpClient _anonymous = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _anonymous = PeerTubeClient.CreateHttpClient(_server);
    }

    public async ValueTask DisposeAsync()
    {
        _anonymous.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Every_api_route_is_in_the_document_with_its_methods()
    {
        var routes = ApiEndpoints()
            .Select(e => (Path: Normalise(e.RoutePattern.RawText ?? ""), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .ToList();
        Assert.True(routes.Count > 40, $"only {routes.Count} /api/v1 routes found");

        var paths = (await DocumentAsync()).GetProperty("paths");
        var missing = new List<string>();
        foreach (var (path, methods) in routes)
        {
            Assert.NotEmpty(methods);
            foreach (var method in methods)
            {
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out _))
                {
                    missing.Add($"{method} {path}");
                }
            }
        }

        Assert.True(missing.Count == 0, "Not in the OpenAPI document: " + string.Join(", ", missing));
        Assert.DoesNotContain(paths.EnumerateObject(), p => !p.Name.StartsWith("/api/v1/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Operations_are_tagged_by_feature()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        Assert.Equal("Videos", paths.GetProperty("/api/v1/videos/{id}").GetProperty("get").GetProperty("tags")[0].GetString());
        Assert.Equal("Accounts", paths.GetProperty("/api/v1/users/me").GetProperty("get").GetProperty("tags")[0].GetString());
    }

    [Fact]
    public async Task A_typed_handler_declares_its_problems()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");
        var getVideo = paths.GetProperty("/api/v1/videos/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(getVideo.TryGetProperty("200", out _));
        Assert.True(getVideo.GetProperty("404").GetProperty("content").TryGetProperty("application/problem+json", out _));
    }

    /// <summary>
    /// Handlers not yet typed, by route: each still returns a bare <see cref="IResult"/>. Uploads and Moderation are being
    /// reworked on their own branch; this list may only shrink.
    /// </summary>
    private static readonly HashSet<string> UntypedHandlers =
    [
        "POST /api/v1/videos/upload", // UploadsApi.UploadAsync
        "POST /api/v1/videos/upload-resumable", // ResumableUploads.InitAsync
        "PUT /api/v1/videos/upload-resumable", // ResumableUploads.PutChunkAsync
        "DELETE /api/v1/videos/upload-resumable", // ResumableUploads.CancelAsync
        "POST /api/v1/abuses", // AbusesApi.ReportAsync
        "GET /api/v1/abuses", // AbusesApi (lambda over ListAsync)
        "GET /api/v1/users/me/abuses", // AbusesApi (lambda over ListAsync)
        "PUT /api/v1/abuses/{id}", // AbusesApi.UpdateAsync
        "DELETE /api/v1/abuses/{id}", // AbusesApi (lambda)
    ];

    [Fact]
    public void Every_api_handler_is_typed_and_declares_its_success()
    {
        List<string> untyped = [], typedNow = [];
        var unseen = new HashSet<string>(UntypedHandlers);
        foreach (var endpoint in ApiEndpoints())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var handler = endpoint.Metadata.GetMetadata<MethodInfo>();
            var declaresSuccess = endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>().Any(p => p.StatusCode is >= 200 and < 300);
            var bare = handler is null || IsBareResult(handler.ReturnType) || !declaresSuccess;
            foreach (var route in methods.Select(m => $"{m} {Normalise(endpoint.RoutePattern.RawText ?? "")}"))
            {
                unseen.Remove(route);
                if (bare && !UntypedHandlers.Contains(route))
                {
                    untyped.Add($"{route} ({handler?.DeclaringType?.Name}.{handler?.Name})");
                }
                else if (!bare && UntypedHandlers.Contains(route))
                {
                    typedNow.Add(route);
                }
            }
        }

        Assert.True(untyped.Count == 0, "Handlers returning a bare IResult, or declaring no 2xx response: " + string.Join(", ", untyped));
        Assert.True(typedNow.Count == 0, $"Typed now, take them off {nameof(UntypedHandlers)}: " + string.Join(", ", typedNow));
        Assert.True(unseen.Count == 0, $"No longer routes, take them off {nameof(UntypedHandlers)}: " + string.Join(", ", unseen));
    }

    private static bool IsBareResult(Type type) =>
        type == typeof(IResult) || (type.IsGenericType && type.GetGenericTypeDefinition() is var g
                                                       && (g == typeof(Task<>) || g == typeof(ValueTask<>)) && type.GetGenericArguments()[0] == typeof(IResult));

    private IEnumerable<RouteEndpoint> ApiEndpoints() =>
        _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Where(e => Normalise(e.RoutePattern.RawText ?? "").StartsWith("/api/v1/", StringComparison.Ordinal));

    [Fact]
    public async Task The_reference_page_shows_the_document_with_its_own_script()
    {
        // Scalar serves its page at /api/docs/ (its assets are relative to it) and sends /api/docs there.
        var redirect = await _anonymous.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal("/api/docs/", new Uri(new Uri("http://localhost/api/docs"), redirect.Headers.Location!).AbsolutePath);

        var response = await _anonymous.GetAsync("/api/docs/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        // Scalar names the document relative to the app's base path, which its script works out from the page's URL.
        Assert.Contains("\"url\":\"api/v1/openapi.json\"", html);
        Assert.DoesNotContain("cdn.jsdelivr.net", html);

        // The page's scripts are served by the server itself: the network may be closed.
        var scripts = ScriptSources().Matches(html).Select(m => m.Groups[1].Value).Where(s => !s.StartsWith("data:", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            var url = new Uri(new Uri("http://localhost/api/docs/"), script);
            Assert.Equal("localhost", url.Host);
            var asset = await _anonymous.GetAsync(url.PathAndQuery);
            Assert.True(asset.StatusCode == HttpStatusCode.OK, $"{url.PathAndQuery}: {asset.StatusCode}");
        }
    }

    private async Task<JsonElement> DocumentAsync()
    {
        var response = await _anonymous.GetAsync("/api/v1/openapi.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>"/api/v1/users/{id:int}" → "/api/v1/users/{id}", as OpenAPI names it.</summary>
    private static string Normalise(string pattern) =>
        "/" + RouteParameter().Replace(pattern.TrimStart('/'), m => "{" + m.Groups[1].Value + "}").TrimEnd('/');

    [GeneratedRegex(@"\{\*{0,2}([A-Za-z0-9_]+)[^}]*\}")]
    private static partial Regex RouteParameter();

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptSources();
}
