namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// What other features hear about our videos' lives (federation tells followers). Implementations only queue work:
/// they are called inside requests and jobs, and must not make network calls there.
/// </summary>
public interface IVideoEvents
{
    Task PublishedAsync(int videoId, CancellationToken ct);

    Task UpdatedAsync(int videoId, CancellationToken ct);

    /// <summary>Called before the row is removed, while the video (with channel and account) can still be read.</summary>
    Task DeletingAsync(Video video, CancellationToken ct);
}
