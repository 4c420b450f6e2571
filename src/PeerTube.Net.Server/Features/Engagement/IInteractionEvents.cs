namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>
/// What federation hears about our users' likes and comments. Call each inside the unit of work that makes the change,
/// before its commit: what it queues commits with the change, or not at all. Implementations make no network call.
/// </summary>
public interface IInteractionEvents
{
    /// <summary>The account's rate of the video changed; <paramref name="previousUrl"/> is the rate it replaced, if any.</summary>
    void Rated(int videoId, int accountId, string? previousUrl, bool? previousLike);

    void Commented(int commentId);

    /// <summary>The comment is being marked deleted.</summary>
    void CommentDeleted(int commentId);
}
