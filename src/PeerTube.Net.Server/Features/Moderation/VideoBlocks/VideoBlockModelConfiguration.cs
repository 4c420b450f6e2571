using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Moderation.VideoBlocks;

public static class VideoBlockData
{
    extension(AppDbContext db)
    {
        public DbSet<VideoBlock> VideoBlocks => db.Set<VideoBlock>();
    }
}

internal sealed class VideoBlockConfiguration : IEntityTypeConfiguration<VideoBlock>
{
    public void Configure(EntityTypeBuilder<VideoBlock> e)
    {
        e.ToTable("VideoBlocks");
        e.HasIndex(b => b.VideoId).IsUnique();
        e.HasIndex(b => new { b.Type, b.CreatedAt });
        e.Property(b => b.Reason).HasMaxLength(300);
        e.HasOne(b => b.Video).WithMany().HasForeignKey(b => b.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}
