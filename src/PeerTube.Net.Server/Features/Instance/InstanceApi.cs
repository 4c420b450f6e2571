using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Instance;

/// <summary>What the instance says about itself: PeerTube's ping and config.</summary>
public static class InstanceApi
{
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Instance");
        api.MapGet("/ping", () => TypedResults.Text("pong"));
        api.MapGet("/config", (IOptions<InstanceOptions> instance) => TypedResults.Ok(new
        {
            instance = new { name = instance.Value.Name },
            serverVersion = "6.3.0",
            serverCommit = "peertube-net",
        }));
        return app;
    }
}
