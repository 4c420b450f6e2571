
namespace PeerTube.Net.Server.Features.Videos;

public sealed class VideoChannel
{
    public int Id { get; set; }

    /// <summary>The handle (preferredUsername), unique on the instance.</summary>
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public string? Description { get; set; }
    public string? Support { get; set; }
    public int AccountId { get; set; }
    public Account? Account { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Avatars and banners, in PeerTube's sizes.</summary>
    public List<ActorImage> Images { get; set; } = [];

    /// <summary>Null for ours; the remote host for a federated channel, whose <see cref="Name"/> is then "name@host".</summary>
    public string? Host { get; set; }

    /// <summary>The ActivityPub id of a remote channel.</summary>
    public string? RemoteUrl { get; set; }

    public bool IsLocal => Host is null;

    /// <summary>The handle without the host, as PeerTube's API shows it.</summary>
    public string LocalName => Host is null ? Name : Name[..Name.IndexOf('@')];
}
