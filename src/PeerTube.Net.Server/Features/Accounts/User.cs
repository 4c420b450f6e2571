namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>PeerTube's UserRole values.</summary>
public enum UserRole
{
    Administrator = 0,
    Moderator = 1,
    User = 2,
}

/// <summary>A local login. Its public face is its <see cref="Account"/>.</summary>
public sealed class User
{
    public int Id { get; set; }
    public required string Username { get; set; }
    public required string Email { get; set; }
    public required string PasswordHash { get; set; }
    public UserRole Role { get; set; } = UserRole.User;

    /// <summary>Bytes; -1 means unlimited, as in PeerTube.</summary>
    public long VideoQuota { get; set; } = -1;
    public long VideoQuotaDaily { get; set; } = -1;
    public bool Blocked { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public Account? Account { get; set; }
}

/// <summary>An actor that owns channels. Local accounts have a <see cref="UserId"/>; remote ones (federation) will not.</summary>
public sealed class Account
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public required string DisplayName { get; set; }
    public string? Description { get; set; }
    public int? UserId { get; set; }
    public User? User { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<Channels.VideoChannel> Channels { get; set; } = [];

    /// <summary>Null for ours; the remote host for a federated account, whose <see cref="Name"/> is then "name@host".</summary>
    public string? Host { get; set; }

    /// <summary>The ActivityPub id of a remote account.</summary>
    public string? RemoteUrl { get; set; }

    public bool IsLocal => Host is null;

    /// <summary>The handle without the host, as PeerTube's API shows it.</summary>
    public string LocalName => Host is null ? Name : Name[..Name.IndexOf('@')];
}
