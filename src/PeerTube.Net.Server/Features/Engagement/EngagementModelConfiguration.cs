using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Engagement;

public static class EngagementData
{
    extension(AppDbContext db)
    {
        public DbSet<VideoRate> VideoRates => db.Set<VideoRate>();
        public DbSet<VideoComment> VideoComments => db.Set<VideoComment>();
        public DbSet<CommentAutomaticTag> CommentAutomaticTags => db.Set<CommentAutomaticTag>();
    }
}

internal sealed class VideoRateConfiguration : IEntityTypeConfiguration<VideoRate>
{
    public void Configure(EntityTypeBuilder<VideoRate> e)
    {
        e.ToTable("VideoRates");
        e.HasIndex(r => new { r.VideoId, r.AccountId }).IsUnique();
        e.HasIndex(r => r.Url);
        e.HasOne(r => r.Video).WithMany().HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(r => r.Account).WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VideoCommentConfiguration : IEntityTypeConfiguration<VideoComment>
{
    public void Configure(EntityTypeBuilder<VideoComment> e)
    {
        e.ToTable("VideoComments");
        e.HasIndex(c => c.Url).IsUnique();
        e.HasIndex(c => c.VideoId);
        e.HasOne(c => c.Video).WithMany().HasForeignKey(c => c.VideoId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(c => c.Account).WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(c => c.InReplyTo).WithMany().HasForeignKey(c => c.InReplyToCommentId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class CommentAutomaticTagConfiguration : IEntityTypeConfiguration<CommentAutomaticTag>
{
    public void Configure(EntityTypeBuilder<CommentAutomaticTag> e)
    {
        e.ToTable("CommentAutomaticTags");
        e.HasIndex(t => new { t.CommentId, t.AccountId });
        e.HasIndex(t => t.Tag);
        e.Property(t => t.Tag).HasMaxLength(100);
        e.HasOne<VideoComment>().WithMany().HasForeignKey(t => t.CommentId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<Account>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
