using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Uploads;

public static class UploadsData
{
    extension(AppDbContext db)
    {
        public DbSet<ResumableUpload> ResumableUploads => db.Set<ResumableUpload>();
    }
}

internal sealed class ResumableUploadConfiguration : IEntityTypeConfiguration<ResumableUpload>
{
    public void Configure(EntityTypeBuilder<ResumableUpload> e)
    {
        e.ToTable("ResumableUploads");
        e.HasKey(u => u.Id);
        e.HasIndex(u => u.ExpiresAt);
    }
}
