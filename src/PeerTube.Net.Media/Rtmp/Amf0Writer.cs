using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>Encodes AMF0 values (the types <see cref="Amf0Object"/> lists) into a growing buffer.</summary>
public sealed class Amf0Writer
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public static byte[] Encode(params object?[] values)
    {
        var writer = new Amf0Writer();
        foreach (var value in values)
        {
            writer.Write(value);
        }

        return writer.ToArray();
    }

    public Amf0Writer Write(object? value)
    {
        switch (value)
        {
            case null:
                Marker(Amf0Marker.Null);
                break;
            case Amf0Undefined:
                Marker(Amf0Marker.Undefined);
                break;
            case bool b:
                Marker(Amf0Marker.Boolean);
                Bytes(1)[0] = b ? (byte)1 : (byte)0;
                break;
            case double or float or int or long or uint or short or ushort or byte:
                Marker(Amf0Marker.Number);
                BinaryPrimitives.WriteDoubleBigEndian(Bytes(8), Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case string s:
                var length = Encoding.UTF8.GetByteCount(s);
                if (length <= ushort.MaxValue)
                {
                    Marker(Amf0Marker.String);
                    BinaryPrimitives.WriteUInt16BigEndian(Bytes(2), (ushort)length);
                }
                else
                {
                    Marker(Amf0Marker.LongString);
                    BinaryPrimitives.WriteUInt32BigEndian(Bytes(4), (uint)length);
                }

                Encoding.UTF8.GetBytes(s, Bytes(length));
                break;
            case Amf0EcmaArray array:
                Marker(Amf0Marker.EcmaArray);
                BinaryPrimitives.WriteUInt32BigEndian(Bytes(4), (uint)array.Count);
                Properties(array);
                break;
            case Amf0Object obj:
                Marker(Amf0Marker.Object);
                Properties(obj);
                break;
            case DateTimeOffset date:
                Marker(Amf0Marker.Date);
                BinaryPrimitives.WriteDoubleBigEndian(Bytes(8), date.ToUnixTimeMilliseconds());
                BinaryPrimitives.WriteInt16BigEndian(Bytes(2), 0);
                break;
            case System.Collections.IList list:
                Marker(Amf0Marker.StrictArray);
                BinaryPrimitives.WriteUInt32BigEndian(Bytes(4), (uint)list.Count);
                foreach (var item in list)
                {
                    Write(item);
                }

                break;
            default:
                throw new ArgumentException($"AMF0 has no encoding for {value.GetType().Name}.", nameof(value));
        }

        return this;
    }

    private void Properties(Amf0Object obj)
    {
        foreach (var (name, value) in obj)
        {
            var length = Encoding.UTF8.GetByteCount(name);
            if (length > ushort.MaxValue)
            {
                throw new ArgumentException("An AMF0 property name is longer than 65535 bytes.", nameof(obj));
            }

            BinaryPrimitives.WriteUInt16BigEndian(Bytes(2), (ushort)length);
            Encoding.UTF8.GetBytes(name, Bytes(length));
            Write(value);
        }

        Bytes(3)[2] = (byte)Amf0Marker.ObjectEnd;
    }

    private void Marker(Amf0Marker marker) => Bytes(1)[0] = (byte)marker;

    private Span<byte> Bytes(int count)
    {
        var span = _buffer.GetSpan(count)[..count];
        span.Clear();
        _buffer.Advance(count);
        return span;
    }
}
