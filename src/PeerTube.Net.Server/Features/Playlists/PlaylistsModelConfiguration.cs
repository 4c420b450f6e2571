using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Playlists;

public static class PlaylistsData
{
    extension(AppDbContext db)
    {
        public DbSet<VideoPlaylist> VideoPlaylists => db.Set<VideoPlaylist>();
        public DbSet<VideoPlaylistElement> VideoPlaylistElements => db.Set<VideoPlaylistElement>();
    }
}

internal sealed class VideoPlaylistConfiguration : IEntityTypeConfiguration<VideoPlaylist>
{
    public void Configure(EntityTypeBuilder<VideoPlaylist> e)
    {
        e.ToTable("VideoPlaylists");
        e.HasIndex(p => p.Uuid).IsUnique();
        e.HasIndex(p => p.RemoteUrl).IsUnique();
        e.HasIndex(p => new { p.OwnerAccountId, p.Type });
        e.Property(p => p.Name).HasMaxLength(120);
        e.HasOne(p => p.OwnerAccount).WithMany().HasForeignKey(p => p.OwnerAccountId).OnDelete(DeleteBehavior.Cascade);
        // PeerTube deletes a channel's playlists with it.
        e.HasOne(p => p.Channel).WithMany().HasForeignKey(p => p.ChannelId).OnDelete(DeleteBehavior.Cascade);
        e.HasMany(p => p.Elements).WithOne(x => x.Playlist).HasForeignKey(x => x.PlaylistId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class VideoPlaylistElementConfiguration : IEntityTypeConfiguration<VideoPlaylistElement>
{
    public void Configure(EntityTypeBuilder<VideoPlaylistElement> e)
    {
        e.ToTable("VideoPlaylistElements");
        e.HasIndex(x => new { x.PlaylistId, x.Position });
        e.HasIndex(x => x.VideoId);
        e.HasIndex(x => x.RemoteUrl);
        // A deleted video leaves its place behind, shown as a deleted element (PeerTube's SET NULL).
        e.HasOne(x => x.Video).WithMany().HasForeignKey(x => x.VideoId).OnDelete(DeleteBehavior.SetNull);
    }
}
