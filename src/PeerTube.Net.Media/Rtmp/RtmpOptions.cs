using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// The bounds of the RTMP ingest: how much one connection may make us allocate, how long it may take, and how many
/// there may be. A connection that goes past one is closed and logged; nothing else is affected.
/// </summary>
public sealed record RtmpOptions
{
    public const string Section = "Live:Rtmp";

    /// <summary>TCP port to listen on (0 picks a free one, for tests).</summary>
    [Range(0, 65535)]
    public int Port { get; init; } = 1935;

    /// <summary>Listen on every interface; false keeps to loopback.</summary>
    public bool ListenOnAllInterfaces { get; init; } = true;

    [Range(1, 100_000)]
    public int MaxConnections { get; init; } = 64;

    /// <summary>Largest audio or video message (one encoded frame).</summary>
    [Range(1024, 0xFFFFFF)]
    public int MaxMediaMessageBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest message of any other kind (commands, metadata, control).</summary>
    [Range(256, 0xFFFFFF)]
    public int MaxOtherMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Bytes held in messages not yet complete, over all chunk streams of a connection.</summary>
    [Range(1024, 1024 * 1024 * 1024)]
    public int MaxPendingBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Largest chunk size a client may set (RTMP allows 2^31-1); a larger Set Chunk Size closes the connection.</summary>
    [Range(128, 16 * 1024 * 1024)]
    public int MaxChunkSize { get; init; } = 1024 * 1024;

    /// <summary>The chunk size we send with.</summary>
    [Range(128, 65536)]
    public int OutgoingChunkSize { get; init; } = 4096;

    /// <summary>Distinct chunk stream ids one connection may use.</summary>
    [Range(4, 65599)]
    public int MaxChunkStreams { get; init; } = 64;

    /// <summary>The window we announce: the client acknowledges after this many bytes from us.</summary>
    [Range(4096, int.MaxValue)]
    public int WindowAcknowledgementSize { get; init; } = 2_500_000;

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>From the handshake to a publish command.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest silence (not one byte) from a client before it is dropped.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A publisher that sends fewer than this many bytes per second over a whole <see cref="SlowPublisherWindow"/> is dropped (0: never).</summary>
    [Range(0, int.MaxValue)]
    public int MinPublishBytesPerSecond { get; init; } = 2048;

    public TimeSpan SlowPublisherWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for the sink to take one FLV tag (ffmpeg stuck or not reading); past it the publisher is dropped.</summary>
    public TimeSpan SinkWriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a refused publisher has to read its onStatus before the connection is closed.</summary>
    public TimeSpan RefusalLinger { get; init; } = TimeSpan.FromSeconds(2);
}
