using System.Text.Json.Serialization;

namespace PeerTube.Net.Server.Features.Videos;

public sealed record IdLabel<T>(T Id, string Label);

/// <summary>PeerTube's ActorImage: one size of an avatar or a banner.</summary>
public sealed record ActorImageDto(int Width, int Height, string Path, string FileUrl, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AccountSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, IReadOnlyList<ActorImageDto> Avatars);

public sealed record ChannelSummaryDto(int Id, string Name, string DisplayName, string Url, string Host, IReadOnlyList<ActorImageDto> Avatars);

/// <summary>PeerTube's Account (an actor): what GET /api/v1/accounts/{name} answers.</summary>
public sealed record AccountDto(
    int Id, string Name, string DisplayName, string? Description, string Url, string Host, bool IsLocal, int? UserId,
    int FollowersCount, int FollowingCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<ActorImageDto> Avatars,
    IReadOnlyList<ActorImageDto> Banners);

public sealed record ChannelDto(
    int Id, string Name, string DisplayName, string? Description, string? Support, string Url, string Host, bool IsLocal,
    int FollowersCount, int FollowingCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, AccountSummaryDto OwnerAccount,
    IReadOnlyList<ActorImageDto> Avatars, IReadOnlyList<ActorImageDto> Banners)
{
    /// <summary>PeerTube's videosCount: the channel's public, published videos (lists with stats).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? VideosCount { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? TotalViews { get; init; }

    /// <summary>PeerTube's viewsPerDay, with <c>withStats</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ChannelViewsPerDayDto>? ViewsPerDay { get; init; }
}

public sealed record ChannelViewsPerDayDto(DateTimeOffset Date, long Views);

/// <summary>
/// Accounts and channels as PeerTube's API shows them, wherever a video shows its owner. Images show when they were
/// loaded with the owner (<c>Include(a =&gt; a.Images)</c>); a list that did not load them shows none.
/// </summary>
public static class AccountDtos
{
    public static AccountSummaryDto Summary(Account a, InstanceOptions instance) =>
        new(a.Id, a.LocalName, a.DisplayName, Url(a, instance), a.Host ?? instance.Host, Images(a.Images, ActorImageType.Avatar, instance));

    public static ChannelSummaryDto Summary(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.LocalName, c.DisplayName, Url(c, instance), c.Host ?? instance.Host, Images(c.Images, ActorImageType.Avatar, instance));

    /// <summary>The actor's id: ours under our URL, a remote one's as its origin gave it.</summary>
    public static string Url(Account a, InstanceOptions instance) => a.RemoteUrl ?? instance.Absolute($"/accounts/{a.Name}");

    public static string Url(VideoChannel c, InstanceOptions instance) => c.RemoteUrl ?? instance.Absolute($"/video-channels/{c.Name}");

    public static AccountDto Account(Account a, InstanceOptions instance) =>
        new(a.Id, a.LocalName, a.DisplayName, a.Description, Url(a, instance), a.Host ?? instance.Host, a.IsLocal, a.UserId,
            0, 0, a.CreatedAt, a.CreatedAt, Images(a.Images, ActorImageType.Avatar, instance), Images(a.Images, ActorImageType.Banner, instance));

    public static ChannelDto Channel(VideoChannel c, InstanceOptions instance) =>
        new(c.Id, c.LocalName, c.DisplayName, c.Description, c.Support, Url(c, instance), c.Host ?? instance.Host, c.IsLocal,
            0, 0, c.CreatedAt, c.UpdatedAt, Summary(c.Account!, instance), Images(c.Images, ActorImageType.Avatar, instance),
            Images(c.Images, ActorImageType.Banner, instance));

    /// <summary>PeerTube's order: largest first.</summary>
    public static IReadOnlyList<ActorImageDto> Images(IEnumerable<ActorImage> images, ActorImageType type, InstanceOptions instance) =>
        images.Where(i => i.Type == type).OrderByDescending(i => i.Width)
            .Select(i => new ActorImageDto(i.Width, i.Height, i.Path, instance.Absolute(i.Path), i.CreatedAt, i.UpdatedAt)).ToList();

    /// <summary>The smallest avatar at least <paramref name="minWidth"/> wide (or the largest there is), for a page.</summary>
    public static string? AvatarPath(IEnumerable<ActorImage> images, int minWidth) => Pick(images, ActorImageType.Avatar, minWidth)?.Path;

    public static string? BannerPath(IEnumerable<ActorImage> images) => Pick(images, ActorImageType.Banner, 1000)?.Path;

    private static ActorImage? Pick(IEnumerable<ActorImage> images, ActorImageType type, int minWidth)
    {
        var ofType = images.Where(i => i.Type == type).OrderBy(i => i.Width).ToList();
        return ofType.FirstOrDefault(i => i.Width >= minWidth) ?? ofType.LastOrDefault();
    }
}
