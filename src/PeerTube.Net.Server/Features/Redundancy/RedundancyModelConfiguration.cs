using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Redundancy;

public static class RedundancyData
{
    extension(AppDbContext db)
    {
        public DbSet<VideoRedundancy> VideoRedundancies => db.Set<VideoRedundancy>();
        public DbSet<RedundancyHost> RedundancyHosts => db.Set<RedundancyHost>();
    }
}

internal sealed class VideoRedundancyConfiguration : IEntityTypeConfiguration<VideoRedundancy>
{
    public void Configure(EntityTypeBuilder<VideoRedundancy> e)
    {
        e.ToTable("VideoRedundancies");
        e.HasIndex(r => new { r.VideoId, r.MirrorHost });
        e.HasIndex(r => r.Url);
        e.HasOne(r => r.Video).WithMany().HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RedundancyHostConfiguration : IEntityTypeConfiguration<RedundancyHost>
{
    public void Configure(EntityTypeBuilder<RedundancyHost> e) =>
        e.ToTable("RedundancyHosts")
            .HasKey(h => h.Host);
}
