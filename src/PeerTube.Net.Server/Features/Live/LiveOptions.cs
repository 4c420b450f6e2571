using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>Live streaming (section <c>Live</c>); the RTMP ingest's own bounds are <c>Live:Rtmp</c> (RtmpOptions).</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>Lives may be created and the RTMP ingest listens.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Lives streaming at once on this instance; -1: no limit.</summary>
    [Range(-1, 1000)]
    public int MaxInstanceLives { get; set; } = 20;

    /// <summary>Lives streaming at once per user; -1: no limit.</summary>
    [Range(-1, 1000)]
    public int MaxUserLives { get; set; } = 3;

    /// <summary>Longest stream; past it the stream is cut (PeerTube's duration exceeded). -1: no limit.</summary>
    [Range(-1, 7 * 24 * 3600)]
    public int MaxDurationSeconds { get; set; } = -1;

    /// <summary>Highest rendition (short side); the source is never upscaled, and the profile's largest resolution bounds it too.</summary>
    [Range(144, 2160)]
    public int MaxResolution { get; set; } = 720;

    /// <summary>The host (and port, if not 1935) publishers are told to stream to; defaults to Instance:PublicUrl's host and Live:Rtmp:Port.</summary>
    [MaxLength(255)]
    public string? PublicRtmpHost { get; set; }

    /// <summary>Segments kept in the rolling media playlist.</summary>
    [Range(3, 60)]
    public int PlaylistSize { get; set; } = 10;
}
