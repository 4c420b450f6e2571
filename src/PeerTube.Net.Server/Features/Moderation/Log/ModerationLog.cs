using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpenIddict.Abstractions;

namespace PeerTube.Net.Server.Features.Moderation.Log;

/// <summary>
/// One moderation action, as it was done: who (the user's id and name then), what (a stable action name such as
/// <c>video-block</c>), on what, when, and the details given (a reason). Rows are only ever added: nothing in the server
/// updates or deletes them, and no route writes them.
/// </summary>
public sealed class ModerationLogEntry
{
    public long Id { get; set; }
    public int? ByUserId { get; set; }
    public required string ByUsername { get; set; }
    public required string Action { get; set; }
    public required string Target { get; set; }
    public string? Details { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Writes <see cref="ModerationLogEntry"/> rows into the caller's unit of work, so an action and its entry commit together.</summary>
public sealed class ModerationLog(AppDbContext db, IHttpContextAccessor http, TimeProvider clock)
{
    /// <summary>As <see cref="Record"/>, by whoever made the current request; outside a request (a job), by the server.</summary>
    public void RecordCurrent(string action, string target, string? details)
    {
        if (http.HttpContext?.User is { } user && user.UserId() is not null)
        {
            Record(user, action, target, details);
            return;
        }

        db.Set<ModerationLogEntry>().Add(new ModerationLogEntry
        {
            ByUsername = "(server)", Action = action, Target = Cut(target, 500)!, Details = Cut(details, 1000), CreatedAt = clock.GetUtcNow(),
        });
    }

    /// <summary>Call before the <c>SaveChangesAsync</c> that makes the change.</summary>
    public void Record(ClaimsPrincipal by, string action, string target, string? details) =>
        db.Set<ModerationLogEntry>().Add(new ModerationLogEntry
        {
            ByUserId = by.UserId(),
            ByUsername = by.GetClaim(OpenIddictConstants.Claims.Name) ?? by.Identity?.Name ?? $"user {by.UserId()}",
            Action = action,
            Target = Cut(target, 500)!,
            Details = Cut(details, 1000),
            CreatedAt = clock.GetUtcNow(),
        });

    private static string? Cut(string? text, int max) => text is { Length: > 0 } t && t.Length > max ? t[..max] : text;
}

internal sealed class ModerationLogEntryConfiguration : IEntityTypeConfiguration<ModerationLogEntry>
{
    public void Configure(EntityTypeBuilder<ModerationLogEntry> e)
    {
        e.ToTable("ModerationLog");
        e.HasIndex(l => l.CreatedAt);
        e.Property(l => l.ByUsername).HasMaxLength(100);
        e.Property(l => l.Action).HasMaxLength(50);
        e.Property(l => l.Target).HasMaxLength(500);
        e.Property(l => l.Details).HasMaxLength(1000);
    }
}
