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
}
