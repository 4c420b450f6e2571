using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Moderation;

public static class ModerationData
{
    extension(AppDbContext db)
    {
        public DbSet<Abuse> Abuses => db.Set<Abuse>();
    }
}

internal sealed class AbuseConfiguration : IEntityTypeConfiguration<Abuse>
{
    public void Configure(EntityTypeBuilder<Abuse> e)
    {
        e.ToTable("Abuses");
        e.HasIndex(a => a.RemoteUrl).IsUnique();
        e.HasIndex(a => new { a.State, a.CreatedAt });
        e.Property(a => a.Reason).HasMaxLength(3000);
        e.HasOne(a => a.ReporterAccount).WithMany().HasForeignKey(a => a.ReporterAccountId).OnDelete(DeleteBehavior.SetNull);
        e.HasOne(a => a.FlaggedAccount).WithMany().HasForeignKey(a => a.FlaggedAccountId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(a => a.Video).WithMany().HasForeignKey(a => a.VideoId).OnDelete(DeleteBehavior.SetNull);
        e.HasOne(a => a.Comment).WithMany().HasForeignKey(a => a.CommentId).OnDelete(DeleteBehavior.SetNull);
    }
}
