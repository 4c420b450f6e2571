
namespace PeerTube.Net.Server.Features.Redundancy;

public enum RedundancyState
{
    /// <summary>Chosen; the copy is being made (or will be, after a restart).</summary>
    Pending,

    /// <summary>Every file is here and matched the sha256 JSON; served and announced.</summary>
    Ready,

    /// <summary>The copy did not match or could not be made; nothing is served. Kept so that the strategy skips it a while.</summary>
    Failed,
}

/// <summary>
/// A copy of a video's HLS files (PeerTube's VideoRedundancy, announced as a CacheFile): ours of another instance's
/// video (<see cref="MirrorHost"/> null), or another instance's copy, of ours or of a third's, that we know of.
/// </summary>
public sealed class VideoRedundancy
{
    public int Id { get; set; }
    public int VideoId { get; set; }
    public Video? Video { get; set; }

    /// <summary>The instance that holds the copy ("host" or "host:port"); null for ours.</summary>
    public string? MirrorHost { get; set; }

    public bool IsOurs => MirrorHost is null;

    /// <summary>most-views, trending, recently-added or manual for ours; null for others'.</summary>
    public string? Strategy { get; set; }

    /// <summary>The CacheFile's id: ours are /redundancy/streaming-playlists/hls/{uuid}.</summary>
    public required string Url { get; set; }

    /// <summary>Where the copy's files are: {mirror}/static/redundancy/hls/{uuid}.</summary>
    public required string BaseUrl { get; set; }

    public RedundancyState State { get; set; }
    public string? Error { get; set; }
    public long Size { get; set; }
    public long BytesServed { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>An instance we follow, and whether an admin lets our strategies copy its videos (PeerTube's redundancyAllowed).</summary>
public sealed class RedundancyHost
{
    public required string Host { get; set; }
    public bool Allowed { get; set; }
}
