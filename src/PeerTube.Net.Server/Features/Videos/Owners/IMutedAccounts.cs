namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// The accounts a viewer is not shown: muted by the instance or by the viewer, one by one or with their whole host.
/// The moderation feature answers it; lists of videos and comments leave these accounts' content out.
/// </summary>
public interface IMutedAccounts
{
    /// <summary>Ids of the muted accounts, as a query to use inside another (<c>!muted.Contains(v.Channel.AccountId)</c>).</summary>
    IQueryable<int> For(int? viewerUserId);
}
