namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>Transcoding progress pushed to the upload page over SignalR; see docs/web-contract.md.</summary>
public static class TranscodingProgressFeature
{
    public static IEndpointRouteBuilder MapTranscodingProgress(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
