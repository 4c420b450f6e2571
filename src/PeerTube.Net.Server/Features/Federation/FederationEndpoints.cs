using PeerTube.Net.Server.Features.Federation.Discovery;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>Federation's routes: discovery (WebFinger, NodeInfo), ActivityPub (actors, inboxes, outboxes) and the follows API.</summary>
public static class FederationEndpoints
{
    public static IEndpointRouteBuilder MapFederation(this IEndpointRouteBuilder app)
    {
        app.MapDiscovery();
        app.MapActivityPub();
        app.MapFollowsApi();
        return app;
    }
}
