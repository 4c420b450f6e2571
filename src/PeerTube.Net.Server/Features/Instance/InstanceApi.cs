using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Instance;

/// <summary>What the instance says about itself: PeerTube's ping and config.</summary>
public static class InstanceApi
{
    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Instance");
        // Plain text, as PeerTube answers it; a text result declares no response type, so the route does.
        api.MapGet("/ping", () => TypedResults.Text("pong")).Produces<string>(StatusCodes.Status200OK, "text/plain");
        api.MapGet("/config", (IOptions<InstanceOptions> instance) =>
            TypedResults.Ok(new InstanceConfigDto(new InstanceConfigDto.About(instance.Value.Name), ServerVersion: "6.3.0", ServerCommit: "peertube-net")));
        return app;
    }
}

/// <summary>The part of PeerTube's ServerConfig that clients read first: <c>{ instance: { name }, serverVersion, serverCommit }</c>.</summary>
public sealed record InstanceConfigDto(InstanceConfigDto.About Instance, string ServerVersion, string ServerCommit)
{
    public sealed record About(string Name);
}
