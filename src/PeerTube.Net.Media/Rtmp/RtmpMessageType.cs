namespace PeerTube.Net.Media.Rtmp;

/// <summary>RTMP message type ids (Adobe's RTMP specification 1.0, sections 5.4 and 7.1).</summary>
public enum RtmpMessageType : byte
{
    SetChunkSize = 1,
    Abort = 2,
    Acknowledgement = 3,
    UserControl = 4,
    WindowAcknowledgementSize = 5,
    SetPeerBandwidth = 6,
    Audio = 8,
    Video = 9,
    DataAmf3 = 15,
    SharedObjectAmf3 = 16,
    CommandAmf3 = 17,
    DataAmf0 = 18,
    SharedObjectAmf0 = 19,
    CommandAmf0 = 20,
    Aggregate = 22,
}

/// <summary>One whole RTMP message, reassembled from its chunks. The payload is the message's own array.</summary>
public readonly record struct RtmpMessage(RtmpMessageType Type, uint Timestamp, uint StreamId, ReadOnlyMemory<byte> Payload)
{
    public bool IsMedia => Type is RtmpMessageType.Audio or RtmpMessageType.Video;
}
