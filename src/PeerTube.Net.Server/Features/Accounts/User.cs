
namespace PeerTube.Net.Server.Features.Accounts;

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

    /// <summary>Whether the email was checked by a link we sent; null for users an administrator made (nothing to check).</summary>
    public bool? EmailVerified { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public Account? Account { get; set; }
}
