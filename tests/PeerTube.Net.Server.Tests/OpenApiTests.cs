using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
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
        var routes = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .Select(e => (Path: Normalise(e.RoutePattern.RawText ?? ""), Methods: e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(r => r.Path.StartsWith("/api/v1/", StringComparison.Ordinal))
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

    [Fact]
    public async Task The_reference_page_shows_the_document_with_its_own_script()
    {
        var response = await _anonymous.GetAsync("/api/docs");
        if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.MovedPermanently)
        {
            // Scalar answers /api/docs with a redirect to /api/docs/, where its page's relative asset URLs resolve.
            var target = new Uri(new Uri("http://localhost/api/docs"), response.Headers.Location!);
            Assert.Equal("/api/docs/", target.AbsolutePath);
            response = await _anonymous.GetAsync(target.PathAndQuery);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        // Scalar resolves the source against the site root (its script strips /api/docs/ from the page path).
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
