using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Instance;

/// <summary>What the instance says about itself: PeerTube's ping and config.</summary>
public static class InstanceApi
{
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ping", () => TypedResults.Text("pong"));
        app.MapGet("/api/v1/config", (IOptions<InstanceOptions> instance) => TypedResults.Ok(new
        {
            instance = new { name = instance.Value.Name },
            serverVersion = "6.3.0",
            serverCommit = "peertube-net",
        }));
        return app;
    }
}
