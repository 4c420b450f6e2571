using System.Buffers.Binary;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Writes what a publisher sends as an FLV file (Adobe FLV 10.1, annex E): the header, then each audio (8), video
/// (9) and metadata (18) message as a tag with its previous-tag-size trailer. The RTMP payloads of audio and video
/// are FLV tag bodies already, so they pass through untouched; ffmpeg reads the result on its stdin
/// (<c>-f flv -i pipe:0</c>).
/// </summary>
public sealed class FlvWriter(Stream output)
{
    private const int TagHeaderLength = 11;

    private readonly byte[] _header = new byte[TagHeaderLength];
    private readonly byte[] _trailer = new byte[4];
    private bool _headerWritten;

    public long TagsWritten { get; private set; }

    /// <summary>"FLV", version 1, audio and video present, header length 9, then PreviousTagSize0.</summary>
    public async ValueTask WriteHeaderAsync(CancellationToken ct)
    {
        if (_headerWritten)
        {
            return;
        }

        _headerWritten = true;
        byte[] header = [(byte)'F', (byte)'L', (byte)'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0];
        await output.WriteAsync(header, ct).ConfigureAwait(false);
    }

    /// <summary>Writes one tag. The timestamp is the message's (milliseconds, 32 bits: 24 plus the extension byte).</summary>
    public async ValueTask WriteTagAsync(RtmpMessageType type, uint timestamp, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (type is not (RtmpMessageType.Audio or RtmpMessageType.Video or RtmpMessageType.DataAmf0))
        {
            throw new ArgumentException($"FLV has no tag for {type}.", nameof(type));
        }

        if (body.Length > 0xFFFFFF)
        {
            throw new ArgumentException("An FLV tag body is at most 16 MiB.", nameof(body));
        }

        await WriteHeaderAsync(ct).ConfigureAwait(false);
        _header[0] = (byte)type;
        _header[1] = (byte)(body.Length >> 16);
        _header[2] = (byte)(body.Length >> 8);
        _header[3] = (byte)body.Length;
        _header[4] = (byte)(timestamp >> 16);
        _header[5] = (byte)(timestamp >> 8);
        _header[6] = (byte)timestamp;
        _header[7] = (byte)(timestamp >> 24);
        _header[8] = _header[9] = _header[10] = 0; // Stream id: always 0.
        BinaryPrimitives.WriteUInt32BigEndian(_trailer, (uint)(TagHeaderLength + body.Length));
        await output.WriteAsync(_header, ct).ConfigureAwait(false);
        await output.WriteAsync(body, ct).ConfigureAwait(false);
        await output.WriteAsync(_trailer, ct).ConfigureAwait(false);
        TagsWritten++;
    }

    /// <summary>
    /// The metadata of a data message, as the FLV script tag "onMetaData" + ECMA array: the publisher's own bytes
    /// after the <c>@setDataFrame</c> name (ffmpeg, OBS), or the whole message when it is a bare onMetaData (older
    /// encoders), untouched. Null for any other data message (cue points and the like are not kept).
    /// </summary>
    public static ReadOnlyMemory<byte>? MetadataBody(ReadOnlyMemory<byte> dataMessage)
    {
        var reader = new Amf0Reader(dataMessage.Span);
        var first = reader.ReadValue();
        if (first is "onMetaData")
        {
            return dataMessage;
        }

        if (first is not "@setDataFrame")
        {
            return null;
        }

        var bodyStart = reader.Position;
        if (reader.ReadValue() is not "onMetaData")
        {
            return null;
        }

        return dataMessage[bodyStart..];
    }
}
