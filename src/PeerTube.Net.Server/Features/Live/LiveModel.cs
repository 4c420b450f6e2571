using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>PeerTube's LiveVideoLatencyMode.</summary>
public enum LiveLatencyMode
{
    Default = 1,
    HighLatency = 2,
    SmallLatency = 3,
}

/// <summary>The live part of a video (PeerTube's videoLive): its secret stream key and how it streams.</summary>
public sealed class LiveVideo
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }

    /// <summary>A secret: whoever has it may stream on the video. Shown to the owner and admins only, logged as 4 characters.</summary>
    public required string StreamKey { get; set; }

    public bool SaveReplay { get; set; }

    /// <summary>The privacy the replay gets (PeerTube's replaySettings.privacy).</summary>
    public VideoPrivacy? ReplayPrivacy { get; set; }

    /// <summary>After a stream ends, the video waits for the next one on the same key and URL instead of ending.</summary>
    public bool PermanentLive { get; set; }

    public LiveLatencyMode LatencyMode { get; set; } = LiveLatencyMode.Default;

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PeerTube's key shape (a UUID v4), its 122 random bits from the system's CSPRNG.</summary>
    public static string NewStreamKey()
    {
        var bytes = RandomNumberGenerator.GetBytes(16);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>How a key appears in logs.</summary>
    public static string Redact(string key) => key.Length <= 4 ? "****" : key[..4] + "…";
}

/// <summary>One stream on a live video: when it started and ended, and why it failed if it did.</summary>
public sealed class LiveSession
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The node whose ingest receives the stream (Instance:NodeId): only it ends the session after a restart.</summary>
    public string? NodeId { get; set; }

    /// <summary>PeerTube's LiveVideoError: 1 bad socket health, 2 duration exceeded, 3 quota exceeded, 4 ffmpeg error, 5 blacklisted.</summary>
    public int? Error { get; set; }

    /// <summary>The live's saveReplay when the stream started: its segments are kept and a replay is made when it ends.</summary>
    public bool SaveReplay { get; set; }

    /// <summary>The live's replay privacy when the stream started (PeerTube keeps the session's replay settings).</summary>
    public VideoPrivacy? ReplayPrivacy { get; set; }

    /// <summary>The video this stream became (SaveReplayJob): the live itself for a normal live, a new video for a permanent one.</summary>
    public int? ReplayVideoId { get; set; }
    public Video? ReplayVideo { get; set; }
}

public static class LiveData
{
    extension(AppDbContext db)
    {
        public DbSet<LiveVideo> LiveVideos => db.Set<LiveVideo>();
        public DbSet<LiveSession> LiveSessions => db.Set<LiveSession>();
    }
}

internal sealed class LiveVideoConfiguration : IEntityTypeConfiguration<LiveVideo>
{
    public void Configure(EntityTypeBuilder<LiveVideo> e)
    {
        e.ToTable("LiveVideos");
        e.HasIndex(l => l.VideoId).IsUnique();
        e.HasIndex(l => l.StreamKey).IsUnique();
        e.Property(l => l.StreamKey).HasMaxLength(64);
        e.HasOne(l => l.Video).WithMany().HasForeignKey(l => l.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class LiveSessionConfiguration : IEntityTypeConfiguration<LiveSession>
{
    public void Configure(EntityTypeBuilder<LiveSession> e)
    {
        e.ToTable("LiveSessions");
        e.HasIndex(s => new { s.VideoId, s.StartedAt });
        e.Property(s => s.NodeId).HasMaxLength(200);
        e.HasOne(s => s.Video).WithMany().HasForeignKey(s => s.VideoId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(s => s.ReplayVideo).WithMany().HasForeignKey(s => s.ReplayVideoId).OnDelete(DeleteBehavior.SetNull);
    }
}
