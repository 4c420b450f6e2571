using PeerTube.Net.Server.Features.Channels;
using PeerTube.Net.Server.Features.Instance;

namespace PeerTube.Net.Server.Features.Accounts;

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

public static class AccountDtos
{
    public static string RoleLabel(UserRole role) => role switch
    {
        UserRole.Administrator => "Administrator",
        UserRole.Moderator => "Moderator",
        _ => "User",
    };

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

    /// <summary>
    /// PeerTube's User, as its admin API and /users/me answer. The admin list leaves the channels out (PeerTube does
    /// the same); they must be loaded, with their account, when asked for.
    /// </summary>
    public static Dictionary<string, object?> User(User user, long videoQuotaUsed, InstanceOptions instance, bool withChannels)
    {
        var account = user.Account!;
        var json = new Dictionary<string, object?>
        {
            ["id"] = user.Id,
            ["username"] = user.Username,
            ["email"] = user.Email,
            ["emailVerified"] = true,
            ["nsfwPolicy"] = "display",
            ["adminFlags"] = 0,
            ["role"] = new IdLabel<int>((int)user.Role, RoleLabel(user.Role)),
            ["videoQuota"] = user.VideoQuota,
            ["videoQuotaDaily"] = user.VideoQuotaDaily,
            ["videoQuotaUsed"] = videoQuotaUsed,
            ["videoQuotaUsedDaily"] = videoQuotaUsed,
            ["blocked"] = user.Blocked,
            ["blockedReason"] = null,
            ["createdAt"] = user.CreatedAt,
            ["lastLoginDate"] = null,
            ["pluginAuth"] = null,
            ["twoFactorEnabled"] = false,
            ["account"] = Account(account, instance),
        };
        if (withChannels)
        {
            json["videoChannels"] = account.Channels.OrderBy(c => c.Id).Select(c => Channel(c, instance)).ToList();
        }

        return json;
    }

    public static ChannelDto Channel(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.LocalName, c.DisplayName, c.Description, c.Support, Url(c, instance), c.Host ?? instance.Host, c.IsLocal,
            0, 0, c.CreatedAt, c.UpdatedAt, Summary(c.Account!, instance), [], []);
}
