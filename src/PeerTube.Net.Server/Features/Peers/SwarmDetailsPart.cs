namespace PeerTube.Net.Server.Features.Peers;

/// <summary>One swarm id per rendition, for p2p-media-loader, the tracker and our swarm hub (docs/p2p-contract.md).</summary>
internal sealed class SwarmDetailsPart(VideoUrls urls) : IVideoDetailsPart
{
    public Task AddToAsync(VideoDetails details, CancellationToken ct)
    {
        if (details.StreamingPlaylist is { } hls)
        {
            hls["p2pMediaLoaderInfohashes"] = SwarmIds.InfoHashes(details.Video, urls);
        }

        return Task.CompletedTask;
    }
}
