using System.Net;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Decides whether a publish may go on, and where its FLV goes. The web server implements it (a live video waiting
/// for that stream key, an ffmpeg to feed); the RTMP server itself only refuses a key already being published.
/// </summary>
public interface IRtmpPublishAuthorizer
{
    /// <summary>Called once per publish command; an exception counts as a refusal (Denied) and is logged.</summary>
    ValueTask<RtmpPublishDecision> AuthorizeAsync(RtmpPublishRequest request, CancellationToken ct);
}

/// <summary>What a publisher asked for: <c>rtmp://host/{App}/{StreamKey}</c>.</summary>
public sealed record RtmpPublishRequest(string App, string StreamKey, IPEndPoint? RemoteEndPoint, string? TcUrl);

/// <summary>Where an accepted publish goes, and who hears that it ended.</summary>
public interface IRtmpPublishSink
{
    /// <summary>The FLV (header, metadata, audio and video tags) is written here; the sink owns and disposes it.</summary>
    Stream Flv { get; }

    /// <summary>Called exactly once, after the last byte was written to <see cref="Flv"/> and flushed (as far as it could be).</summary>
    ValueTask PublishEndedAsync(RtmpPublishEnd end);
}

public enum RtmpRefusalReason
{
    /// <summary>No live video has this key (NetStream.Publish.BadName).</summary>
    UnknownKey,

    /// <summary>Another publisher is live on this key (NetStream.Publish.BadName).</summary>
    KeyInUse,

    /// <summary>The key is known, but its live video does not take a stream now (NetStream.Publish.Denied).</summary>
    LiveNotWaiting,

    /// <summary>Anything else the authorizer refuses (NetStream.Publish.Denied).</summary>
    Denied,
}

public abstract record RtmpPublishDecision
{
    private RtmpPublishDecision()
    {
    }

    public static RtmpPublishDecision Accept(IRtmpPublishSink sink) => new Accepted(sink);

    public static RtmpPublishDecision Refuse(RtmpRefusalReason reason, string description) => new Refused(reason, description);

    public sealed record Accepted(IRtmpPublishSink Sink) : RtmpPublishDecision;

    public sealed record Refused(RtmpRefusalReason Reason, string Description) : RtmpPublishDecision
    {
        /// <summary>The onStatus code the publisher gets.</summary>
        public string StatusCode => Reason is RtmpRefusalReason.UnknownKey or RtmpRefusalReason.KeyInUse
            ? "NetStream.Publish.BadName"
            : "NetStream.Publish.Denied";
    }
}

public enum RtmpPublishEndReason
{
    /// <summary>The publisher said it was done (FCUnpublish, deleteStream or closeStream).</summary>
    Unpublished,

    /// <summary>The connection closed without an unpublish (a crash, a network cut, a killed encoder).</summary>
    Disconnected,

    /// <summary>We dropped it: a protocol error, a bound exceeded, an idle or slow publisher.</summary>
    Dropped,

    /// <summary>Writing to the sink failed (its reader, say ffmpeg, went away).</summary>
    SinkFailed,

    /// <summary>The RTMP server is stopping.</summary>
    ServerStopping,
}

/// <summary>How a publish ended: the reason, a human detail for the log, and what went through.</summary>
public sealed record RtmpPublishEnd(RtmpPublishEndReason Reason, string? Detail, long FlvTags, TimeSpan Duration);
