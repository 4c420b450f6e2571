using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Videos;

public static class VideosData
{
    extension(AppDbContext db)
    {
        public DbSet<Account> Accounts => db.Set<Account>();
        public DbSet<VideoChannel> VideoChannels => db.Set<VideoChannel>();
        public DbSet<Video> Videos => db.Set<Video>();
        public DbSet<VideoStreamingPlaylist> StreamingPlaylists => db.Set<VideoStreamingPlaylist>();
        public DbSet<VideoFile> VideoFiles => db.Set<VideoFile>();
        public DbSet<VideoPassword> VideoPasswords => db.Set<VideoPassword>();
    }
}

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> e)
    {
        e.ToTable("Accounts");
        e.HasIndex(a => a.Name).IsUnique();
        e.HasIndex(a => a.RemoteUrl).IsUnique();
        e.Property(a => a.Name).HasMaxLength(50);
        e.Property(a => a.DisplayName).HasMaxLength(120);
        e.HasMany(a => a.Channels).WithOne(c => c.Account).HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VideoChannelConfiguration : IEntityTypeConfiguration<VideoChannel>
{
    public void Configure(EntityTypeBuilder<VideoChannel> e)
    {
        e.ToTable("VideoChannels");
        e.HasIndex(c => c.Name).IsUnique();
        e.HasIndex(c => c.RemoteUrl).IsUnique();
        e.Property(c => c.Name).HasMaxLength(50);
        e.Property(c => c.DisplayName).HasMaxLength(120);
    }
}

internal sealed class VideoConfiguration : IEntityTypeConfiguration<Video>
{
    public void Configure(EntityTypeBuilder<Video> e)
    {
        e.ToTable("Videos");
        e.HasIndex(v => v.Uuid).IsUnique();
        e.HasIndex(v => v.State);
        e.HasIndex(v => v.PublishedAt);
        e.HasIndex(v => v.RemoteUrl).IsUnique();
        e.HasIndex(v => v.ScheduledUpdateAt);
        e.Property(v => v.Name).HasMaxLength(120);
        e.HasOne(v => v.Channel).WithMany().HasForeignKey(v => v.ChannelId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(v => v.StreamingPlaylist).WithOne(p => p.Video).HasForeignKey<VideoStreamingPlaylist>(p => p.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VideoStreamingPlaylistConfiguration : IEntityTypeConfiguration<VideoStreamingPlaylist>
{
    public void Configure(EntityTypeBuilder<VideoStreamingPlaylist> e) =>
        e.ToTable("StreamingPlaylists")
            .HasMany(p => p.Files).WithOne(f => f.StreamingPlaylist).HasForeignKey(f => f.StreamingPlaylistId).OnDelete(DeleteBehavior.Cascade);
}

internal sealed class VideoFileConfiguration : IEntityTypeConfiguration<VideoFile>
{
    public void Configure(EntityTypeBuilder<VideoFile> e) =>
        e.ToTable("VideoFiles")
            .HasIndex(f => f.InfoHash);
}

internal sealed class ActorImageConfiguration : IEntityTypeConfiguration<ActorImage>
{
    public void Configure(EntityTypeBuilder<ActorImage> e)
    {
        e.ToTable("ActorImages");
        e.HasIndex(i => i.Filename).IsUnique();
        e.Property(i => i.Filename).HasMaxLength(64);
        e.Property(i => i.RemoteUrl).HasMaxLength(2000);
        e.Ignore(i => i.Path);
        e.HasOne<Account>().WithMany(a => a.Images).HasForeignKey(i => i.AccountId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne<VideoChannel>().WithMany(c => c.Images).HasForeignKey(i => i.ChannelId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VideoPasswordConfiguration : IEntityTypeConfiguration<VideoPassword>
{
    public void Configure(EntityTypeBuilder<VideoPassword> e)
    {
        e.ToTable("VideoPasswords");
        e.HasIndex(p => new { p.VideoId, p.Password }).IsUnique();
        e.Property(p => p.Password).HasMaxLength(100);
        e.HasOne(p => p.Video).WithMany().HasForeignKey(p => p.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}
