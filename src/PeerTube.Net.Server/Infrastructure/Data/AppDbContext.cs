using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Channels;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Moderation;
using PeerTube.Net.Server.Features.Redundancy;
using PeerTube.Net.Server.Features.Uploads;
using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Infrastructure.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own subclass so that it can carry its own
/// migrations (see docs/adr/001-two-providers.md).
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<VideoChannel> VideoChannels => Set<VideoChannel>();
    public DbSet<Video> Videos => Set<Video>();
    public DbSet<VideoStreamingPlaylist> StreamingPlaylists => Set<VideoStreamingPlaylist>();
    public DbSet<VideoFile> VideoFiles => Set<VideoFile>();
    public DbSet<ResumableUpload> ResumableUploads => Set<ResumableUpload>();
    public DbSet<InstanceSetting> InstanceSettings => Set<InstanceSetting>();
    public DbSet<Actor> Actors => Set<Actor>();
    public DbSet<ActorFollow> ActorFollows => Set<ActorFollow>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<UnreachableHost> UnreachableHosts => Set<UnreachableHost>();
    public DbSet<InboxActivity> InboxActivities => Set<InboxActivity>();
    public DbSet<VideoRate> VideoRates => Set<VideoRate>();
    public DbSet<VideoComment> VideoComments => Set<VideoComment>();
    public DbSet<Abuse> Abuses => Set<Abuse>();
    public DbSet<VideoRedundancy> VideoRedundancies => Set<VideoRedundancy>();
    public DbSet<RedundancyHost> RedundancyHosts => Set<RedundancyHost>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.UseOpenIddict();

        b.Entity<User>(e =>
        {
            e.HasIndex(u => u.Username).IsUnique();
            e.HasIndex(u => u.Email).IsUnique();
            e.Property(u => u.Username).HasMaxLength(50);
            e.Property(u => u.Email).HasMaxLength(400);
            e.HasOne(u => u.Account).WithOne(a => a.User).HasForeignKey<Account>(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<Account>(e =>
        {
            e.HasIndex(a => a.Name).IsUnique();
            e.Property(a => a.Name).HasMaxLength(50);
            e.Property(a => a.DisplayName).HasMaxLength(120);
            e.HasMany(a => a.Channels).WithOne(c => c.Account).HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<VideoChannel>(e =>
        {
            e.HasIndex(c => c.Name).IsUnique();
            e.Property(c => c.Name).HasMaxLength(50);
            e.Property(c => c.DisplayName).HasMaxLength(120);
        });

        b.Entity<Video>(e =>
        {
            e.HasIndex(v => v.Uuid).IsUnique();
            e.HasIndex(v => v.State);
            e.HasIndex(v => v.PublishedAt);
            e.Property(v => v.Name).HasMaxLength(120);
            e.HasOne(v => v.Channel).WithMany().HasForeignKey(v => v.ChannelId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(v => v.StreamingPlaylist).WithOne(p => p.Video).HasForeignKey<VideoStreamingPlaylist>(p => p.VideoId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<VideoStreamingPlaylist>(e =>
        {
            e.HasMany(p => p.Files).WithOne(f => f.StreamingPlaylist).HasForeignKey(f => f.StreamingPlaylistId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<VideoFile>(e => e.HasIndex(f => f.InfoHash));
        b.Entity<ResumableUpload>(e =>
        {
            e.HasKey(u => u.Id);
            e.HasIndex(u => u.ExpiresAt);
        });
        b.Entity<InstanceSetting>(e => e.HasKey(s => s.Key));

        b.Entity<Account>(e => e.HasIndex(a => a.RemoteUrl).IsUnique());
        b.Entity<VideoChannel>(e => e.HasIndex(c => c.RemoteUrl).IsUnique());
        b.Entity<Video>(e => e.HasIndex(v => v.RemoteUrl).IsUnique());
        b.Entity<Actor>(e =>
        {
            e.HasIndex(a => a.Url).IsUnique();
            e.HasIndex(a => a.KeyId);
            e.HasIndex(a => new { a.PreferredUsername, a.Host });
            e.HasOne(a => a.Account).WithMany().HasForeignKey(a => a.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(a => a.Channel).WithMany().HasForeignKey(a => a.ChannelId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ActorFollow>(e =>
        {
            e.HasIndex(f => new { f.FollowerId, f.TargetId }).IsUnique();
            e.HasOne(f => f.Follower).WithMany().HasForeignKey(f => f.FollowerId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(f => f.Target).WithMany().HasForeignKey(f => f.TargetId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Delivery>(e =>
        {
            e.HasIndex(d => new { d.State, d.NextAttemptAt });
            e.HasOne(d => d.Sender).WithMany().HasForeignKey(d => d.SenderActorId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<UnreachableHost>(e => e.HasKey(h => h.Host));
        b.Entity<InboxActivity>(e =>
        {
            e.HasIndex(a => a.ActivityId).IsUnique();
            e.HasIndex(a => a.ProcessedAt);
        });
        b.Entity<VideoRate>(e =>
        {
            e.HasIndex(r => new { r.VideoId, r.AccountId }).IsUnique();
            e.HasIndex(r => r.Url);
            e.HasOne(r => r.Video).WithMany().HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(r => r.Account).WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<VideoComment>(e =>
        {
            e.HasIndex(c => c.Url).IsUnique();
            e.HasIndex(c => c.VideoId);
            e.HasOne(c => c.Video).WithMany().HasForeignKey(c => c.VideoId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(c => c.Account).WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(c => c.InReplyTo).WithMany().HasForeignKey(c => c.InReplyToCommentId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<VideoRedundancy>(e =>
        {
            e.HasIndex(r => new { r.VideoId, r.MirrorHost });
            e.HasIndex(r => r.Url);
            e.HasOne(r => r.Video).WithMany(v => v.Redundancies).HasForeignKey(r => r.VideoId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<RedundancyHost>(e => e.HasKey(h => h.Host));
        b.Entity<Abuse>(e =>
        {
            e.HasIndex(a => a.RemoteUrl).IsUnique();
            e.HasIndex(a => new { a.State, a.CreatedAt });
            e.Property(a => a.Reason).HasMaxLength(3000);
            e.HasOne(a => a.ReporterAccount).WithMany().HasForeignKey(a => a.ReporterAccountId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne(a => a.FlaggedAccount).WithMany().HasForeignKey(a => a.FlaggedAccountId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(a => a.Video).WithMany().HasForeignKey(a => a.VideoId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne(a => a.Comment).WithMany().HasForeignKey(a => a.CommentId).OnDelete(DeleteBehavior.SetNull);
        });
    }
}

public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no timestamp type; storing ticks keeps ordering and comparisons in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
