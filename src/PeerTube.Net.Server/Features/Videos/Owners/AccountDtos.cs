
namespace PeerTube.Net.Server.Features.Videos;

public sealed record IdLabel<T>(T Id, string Label);

public sealed record AccountSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, object[] Avatars);

public sealed record ChannelSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, object[] Avatars);

/// <summary>PeerTube's Account (an actor): what GET /api/v1/accounts/{name} answers.</summary>
public sealed record AccountDto(
    int Id, string Name, string DisplayName, string? Description, string Url, string Host, bool IsLocal, int? UserId,
    int FollowersCount, int FollowingCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, object[] Avatars, object[] Banners);

public sealed record ChannelDto(
    int Id, string Name, string DisplayName, string? Description, string? Support, string Url, string Host, bool IsLocal,
    int FollowersCount, int FollowingCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, AccountSummaryDto OwnerAccount,
    object[] Avatars, object[] Banners);

/// <summary>Accounts and channels as PeerTube's API shows them, wherever a video shows its owner.</summary>
public static class AccountDtos
{
    public static AccountSummaryDto Summary(Account a, InstanceOptions instance) =>
        new(a.Id, a.LocalName, a.DisplayName, Url(a, instance), a.Host ?? instance.Host, []);

    public static ChannelSummaryDto Summary(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.LocalName, c.DisplayName, Url(c, instance), c.Host ?? instance.Host, []);

    /// <summary>The actor's id: ours under our URL, a remote one's as its origin gave it.</summary>
    public static string Url(Account a, InstanceOptions instance) => a.RemoteUrl ?? instance.Absolute($"/accounts/{a.Name}");

    public static string Url(VideoChannel c, InstanceOptions instance) => c.RemoteUrl ?? instance.Absolute($"/video-channels/{c.Name}");

    public static AccountDto Account(Account a, InstanceOptions instance) =>
        new(a.Id, a.LocalName, a.DisplayName, a.Description, Url(a, instance), a.Host ?? instance.Host, a.IsLocal, a.UserId,
            0, 0, a.CreatedAt, a.CreatedAt, [], []);

    public static ChannelDto Channel(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.LocalName, c.DisplayName, c.Description, c.Support, Url(c, instance), c.Host ?? instance.Host, c.IsLocal,
            0, 0, c.CreatedAt, c.UpdatedAt, Summary(c.Account!, instance), [], []);
}
