namespace PeerTube.Net.Server.Features.Tracker;

// Placeholder so Program.cs compiles while the tracker is being written; replaced by the real feature.
public static class TrackerFeature
{
    public static WebApplicationBuilder AddTracker(this WebApplicationBuilder builder) => builder;

    public static IEndpointRouteBuilder MapTracker(this IEndpointRouteBuilder app) => app;
}
