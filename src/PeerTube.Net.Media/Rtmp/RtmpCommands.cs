namespace PeerTube.Net.Media.Rtmp;

/// <summary>The command messages the server sends (RTMP 1.0, section 7.2), as nginx-rtmp and SRS word them.</summary>
public static class RtmpCommands
{
    public const uint StreamBeginEvent = 0;

    public static RtmpMessage ConnectResult(double transactionId) =>
        Command(0, "_result", transactionId,
            new Amf0Object { { "fmsVer", "FMS/3,0,1,123" }, { "capabilities", 31.0 } },
            new Amf0Object
            {
                { "level", "status" },
                { "code", "NetConnection.Connect.Success" },
                { "description", "Connection succeeded." },
                { "objectEncoding", 0.0 },
            });

    public static RtmpMessage Result(double transactionId, object? value) => Command(0, "_result", transactionId, null, value);

    public static RtmpMessage OnStatus(uint streamId, string level, string code, string description) =>
        Command(streamId, "onStatus", 0, null, new Amf0Object { { "level", level }, { "code", code }, { "description", description } });

    public static RtmpMessage StreamBegin(uint streamId)
    {
        var payload = new byte[6];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)StreamBeginEvent);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), streamId);
        return new RtmpMessage(RtmpMessageType.UserControl, 0, 0, payload);
    }

    public static RtmpMessage SetPeerBandwidth(uint window)
    {
        var payload = new byte[5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, window);
        payload[4] = 2; // Dynamic.
        return new RtmpMessage(RtmpMessageType.SetPeerBandwidth, 0, 0, payload);
    }

    public static RtmpMessage Command(uint streamId, string name, double transactionId, params object?[] arguments)
    {
        var writer = new Amf0Writer().Write(name).Write(transactionId);
        foreach (var argument in arguments)
        {
            writer.Write(argument);
        }

        return new RtmpMessage(RtmpMessageType.CommandAmf0, 0, streamId, writer.ToArray());
    }

    /// <summary>A command's name, transaction id and arguments; AMF3 commands (type 17) start with a format byte and are AMF0 after it.</summary>
    /// <exception cref="RtmpException">Not a command: no name or no transaction id.</exception>
    public static (string Name, double TransactionId, List<object?> Arguments) Parse(RtmpMessage message)
    {
        var payload = message.Payload.Span;
        if (message.Type == RtmpMessageType.CommandAmf3 && payload.Length > 0 && payload[0] == 0)
        {
            payload = payload[1..];
        }

        var values = new Amf0Reader(payload).ReadAll();
        if (values is not [string name, double transactionId, ..])
        {
            throw new RtmpException("A command message without a name and a transaction id.");
        }

        return (name, transactionId, values.GetRange(2, values.Count - 2));
    }
}
