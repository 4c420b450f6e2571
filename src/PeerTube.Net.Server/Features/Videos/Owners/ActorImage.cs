namespace PeerTube.Net.Server.Features.Videos;

/// <summary>PeerTube's ActorImageType.</summary>
public enum ActorImageType
{
    Avatar = 1,
    Banner = 2,
}

/// <summary>
/// One size of an account's or a channel's avatar or banner. Ours are made from an upload, all sizes at once; a remote
/// actor's are the sizes its origin announced, fetched (and re-encoded) on their first request, from <see cref="RemoteUrl"/>.
/// </summary>
public sealed class ActorImage
{
    public int Id { get; set; }
    public int? AccountId { get; set; }
    public int? ChannelId { get; set; }
    public ActorImageType Type { get; set; }

    /// <summary>A fresh "{uuid}.jpg" for every image, so the file can be cached for ever.</summary>
    public required string Filename { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }

    /// <summary>Where a remote actor's image comes from; null for ours.</summary>
    public string? RemoteUrl { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PeerTube's public path: banners and avatars live in one folder but are served under their own prefix.</summary>
    public string Path => (Type == ActorImageType.Banner ? "/lazy-static/banners/" : "/lazy-static/avatars/") + Filename;
}

/// <summary>PeerTube's ACTOR_IMAGES_SIZE and the upload limits of CONSTRAINTS_FIELDS.ACTORS.IMAGE.</summary>
public static class ActorImageSizes
{
    public static readonly IReadOnlyList<(int Width, int Height)> Avatar = [(1500, 1500), (600, 600), (120, 120), (48, 48)];
    public static readonly IReadOnlyList<(int Width, int Height)> Banner = [(1920, 317), (600, 100)];

    public const long MaxFileBytes = 4 * 1024 * 1024;
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpeg", ".jpg", ".gif", ".webp"];

    public static IReadOnlyList<(int Width, int Height)> For(ActorImageType type) => type == ActorImageType.Banner ? Banner : Avatar;

    /// <summary>The height of an image of <paramref name="width"/> at the type's ratio (1:1 avatars, 6:1 banners).</summary>
    public static int HeightFor(ActorImageType type, int width) =>
        type == ActorImageType.Banner ? Math.Max(1, (int)Math.Round(width * 317.0 / 1920)) : width;
}
