
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

    /// <summary>Why a moderator blocked the user (PeerTube's blockedReason).</summary>
    public string? BlockedReason { get; set; }

    /// <summary>PeerTube's adminFlags: 1 = bypass the automatic block of new videos.</summary>
    public int AdminFlags { get; set; }

    /// <summary>The TOTP secret (base32) once two-factor authentication is on; null when it is off.</summary>
    public string? OtpSecret { get; set; }

    /// <summary>The last TOTP time step accepted, so that one code signs in once.</summary>
    public long? OtpLastStep { get; set; }

    /// <summary>A secret offered by <c>two-factor/request</c>, waiting for a code that proves the app has it.</summary>
    public string? PendingOtpSecret { get; set; }

    /// <summary>The SHA-256 of the request token that goes with <see cref="PendingOtpSecret"/>, and when it stops being valid.</summary>
    public string? PendingOtpRequestHash { get; set; }
    public DateTimeOffset? PendingOtpExpiresAt { get; set; }

    /// <summary>Whether the email was checked by a link we sent; null for users an administrator made (nothing to check).</summary>
    public bool? EmailVerified { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>PeerTube's nsfwPolicy: "display", "blur" or "do_not_list".</summary>
    public string NsfwPolicy { get; set; } = "display";

    /// <summary>PeerTube's p2pEnabled: whether the player shares with peers.</summary>
    public bool P2PEnabled { get; set; } = true;

    public bool AutoPlayVideo { get; set; } = true;

    /// <summary>PeerTube's videoLanguages, comma-separated; null for "all languages".</summary>
    public string? VideoLanguages { get; set; }

    public Account? Account { get; set; }
}
