using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Accounts.Registrations;

/// <summary>PeerTube's registration states.</summary>
public enum RegistrationState
{
    Pending = 1,
    Rejected = 2,
    Accepted = 3,
}

/// <summary>
/// A sign-up waiting for a moderator (PeerTube's UserRegistration, when <c>signup.requiresApproval</c>). The password is
/// kept only as its hash; accepting the request makes the user with it.
/// </summary>
public sealed class UserRegistration
{
    public int Id { get; set; }
    public RegistrationState State { get; set; } = RegistrationState.Pending;
    public required string RegistrationReason { get; set; }
    public string? ModerationResponse { get; set; }
    public required string Username { get; set; }
    public required string Email { get; set; }
    public bool? EmailVerified { get; set; }
    public required string PasswordHash { get; set; }
    public string? AccountDisplayName { get; set; }
    public string? ChannelHandle { get; set; }
    public string? ChannelDisplayName { get; set; }
    public int? UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A one-time secret sent by mail (email check, password reset). Only its SHA-256 is stored; it expires, and it is
/// used once.
/// </summary>
public sealed class EmailToken
{
    public long Id { get; set; }

    /// <summary>"verify-email", "verify-registration-email" or "reset-password".</summary>
    public required string Purpose { get; set; }

    /// <summary>The user's id, or the registration's for a registration's email check.</summary>
    public int SubjectId { get; set; }
    public required string Hash { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

public static class RegistrationsData
{
    extension(AppDbContext db)
    {
        public DbSet<UserRegistration> UserRegistrations => db.Set<UserRegistration>();
        public DbSet<EmailToken> EmailTokens => db.Set<EmailToken>();
    }
}

internal sealed class UserRegistrationConfiguration : IEntityTypeConfiguration<UserRegistration>
{
    public void Configure(EntityTypeBuilder<UserRegistration> e)
    {
        e.ToTable("UserRegistrations");
        e.Property(r => r.Username).HasMaxLength(50);
        e.Property(r => r.Email).HasMaxLength(400);
        e.Property(r => r.RegistrationReason).HasMaxLength(3000);
        e.Property(r => r.ModerationResponse).HasMaxLength(3000);
        e.HasIndex(r => r.Username).IsUnique();
        e.HasIndex(r => r.Email).IsUnique();
        e.HasIndex(r => new { r.State, r.CreatedAt });
    }
}

internal sealed class EmailTokenConfiguration : IEntityTypeConfiguration<EmailToken>
{
    public void Configure(EntityTypeBuilder<EmailToken> e)
    {
        e.ToTable("EmailTokens");
        e.Property(t => t.Purpose).HasMaxLength(40);
        e.Property(t => t.Hash).HasMaxLength(64);
        e.HasIndex(t => new { t.Purpose, t.SubjectId });
        e.HasIndex(t => t.ExpiresAt);
    }
}
