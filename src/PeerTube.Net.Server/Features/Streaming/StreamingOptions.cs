using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Streaming;

public sealed class StreamingOptions
{
    public const string Section = "Streaming";

    /// <summary>
    /// How long a video's access decision (privacy, owner) is reused for its files before the database is asked again.
    /// A privacy change made on this node applies at once; one made on another node sharing the database applies within
    /// this bound. 0 asks the database on every request.
    /// </summary>
    [Range(0, 60)]
    public int AccessCacheSeconds { get; set; } = 5;

    /// <summary>Playlists (and the segments' hash file) up to this size are answered from memory, with an ETag.</summary>
    [Range(0, 16 * 1024 * 1024)]
    public int MaxCachedPlaylistBytes { get; set; } = 1024 * 1024;

    /// <summary>Kestrel's response buffer: how far a large range may be read ahead of a slow socket (per connection).</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public long ResponseBufferBytes { get; set; } = 1024 * 1024;
}
