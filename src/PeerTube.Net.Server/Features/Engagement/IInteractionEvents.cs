namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>
/// What federation hears about our users' likes and comments. Implementations only queue work: they are called
/// inside requests, and must not make network calls there.
/// </summary>
public interface IInteractionEvents
{
    /// <summary>The account's rate of the video changed; <paramref name="previousUrl"/> is the rate it replaced, if any.</summary>
    Task RatedAsync(int videoId, int accountId, string? previousUrl, bool? previousLike, CancellationToken ct);

    Task CommentedAsync(int commentId, CancellationToken ct);

    /// <summary>Called after the comment is marked deleted.</summary>
    Task CommentDeletedAsync(int commentId, CancellationToken ct);
}
