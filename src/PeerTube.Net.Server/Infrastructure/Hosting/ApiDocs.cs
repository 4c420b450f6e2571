using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace PeerTube.Net.Server.Infrastructure.Hosting;

/// <summary>
/// The REST API described: an OpenAPI document of every /api/v1 route at <see cref="DocumentPath"/> (built from the
/// handlers' signatures and their route groups' tags), and Scalar's reference page at <see cref="ReferencePath"/>.
/// Pages, media files, the tracker and ActivityPub are not part of it. Scalar's script is served from its own embedded
/// assets, not a CDN, so the page works on a closed network.
/// </summary>
public static class ApiDocs
{
    public const string DocumentPath = "/api/v1/openapi.json";
    public const string ReferencePath = "/api/docs";

    public static WebApplicationBuilder AddApiDocs(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "PeerTube.Net REST API",
                    Version = "v1",
                    Description = "PeerTube's REST API as this server implements it. Errors are RFC 7807 problems with PeerTube's `code` and `error` fields.",
                };
                return Task.CompletedTask;
            });
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePath, o => o.WithTitle("PeerTube.Net API").WithOpenApiRoutePattern(DocumentPath));
        return app;
    }
}
