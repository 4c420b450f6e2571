namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// An actor that owns channels. Local accounts have a <see cref="UserId"/> (the login, owned by the Accounts feature, which
/// points here; the model does not point back); remote ones (federation) do not.
/// </summary>
public sealed class Account
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public string? Description { get; set; }
    public int? UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<VideoChannel> Channels { get; set; } = [];

    /// <summary>Avatars, in PeerTube's sizes.</summary>
    public List<ActorImage> Images { get; set; } = [];

    /// <summary>Null for ours; the remote host for a federated account, whose <see cref="Name"/> is then "name@host".</summary>
    public string? Host { get; set; }

    /// <summary>The ActivityPub id of a remote account.</summary>
    public string? RemoteUrl { get; set; }

    public bool IsLocal => Host is null;

    /// <summary>The handle without the host, as PeerTube's API shows it.</summary>
    public string LocalName => Host is null ? Name : Name[..Name.IndexOf('@')];
}
