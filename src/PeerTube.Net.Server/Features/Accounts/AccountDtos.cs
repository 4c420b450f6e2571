using PeerTube.Net.Server.Features.Channels;
using PeerTube.Net.Server.Features.Instance;

namespace PeerTube.Net.Server.Features.Accounts;

public sealed record IdLabel<T>(T Id, string Label);

public sealed record AccountSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, object[] Avatars);

public sealed record ChannelSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, object[] Avatars);

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
        new(a.Id, a.Name, a.DisplayName, instance.Absolute($"/accounts/{a.Name}"), instance.Host, []);

    public static ChannelSummaryDto Summary(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.Name, c.DisplayName, instance.Absolute($"/video-channels/{c.Name}"), instance.Host, []);

    public static ChannelDto Channel(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.Name, c.DisplayName, c.Description, c.Support, instance.Absolute($"/video-channels/{c.Name}"), instance.Host, true,
            0, 0, c.CreatedAt, c.UpdatedAt, Summary(c.Account!, instance), [], []);
}
