using System.Buffers.Binary;
using System.Text;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Decodes AMF0 values from one message's payload. Everything is bounded by the payload (already within the
/// message size limit) and by a nesting depth, so a hostile command cannot recurse the stack away.
/// </summary>
public ref struct Amf0Reader(ReadOnlySpan<byte> data)
{
    private const int MaxDepth = 32;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public readonly int Position => _position;

    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>Everything after the values read so far.</summary>
    public readonly ReadOnlySpan<byte> Remaining => _data[_position..];

    /// <exception cref="RtmpException">Truncated or malformed AMF0.</exception>
    public object? ReadValue() => ReadValue(0);

    /// <summary>Reads every value up to the end of the payload.</summary>
    public List<object?> ReadAll()
    {
        var values = new List<object?>();
        while (!AtEnd)
        {
            values.Add(ReadValue());
        }

        return values;
    }

    private object? ReadValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new RtmpException($"AMF0 values nested deeper than {MaxDepth} levels.");
        }

        var marker = (Amf0Marker)Take(1)[0];
        switch (marker)
        {
            case Amf0Marker.Number:
                return BinaryPrimitives.ReadDoubleBigEndian(Take(8));
            case Amf0Marker.Boolean:
                return Take(1)[0] != 0;
            case Amf0Marker.String:
                return ReadUtf8(BinaryPrimitives.ReadUInt16BigEndian(Take(2)));
            case Amf0Marker.LongString:
                return ReadUtf8(BinaryPrimitives.ReadUInt32BigEndian(Take(4)));
            case Amf0Marker.Object:
                return ReadProperties(new Amf0Object(), depth);
            case Amf0Marker.EcmaArray:
                Take(4); // The count is only a hint; the properties end with the object-end marker like an object's.
                return ReadProperties(new Amf0EcmaArray(), depth);
            case Amf0Marker.StrictArray:
            {
                var count = BinaryPrimitives.ReadUInt32BigEndian(Take(4));
                if (count > (uint)(_data.Length - _position))
                {
                    throw new RtmpException($"An AMF0 strict array of {count} items cannot fit in the {_data.Length - _position} bytes left.");
                }

                var items = new List<object?>((int)count);
                for (var i = 0; i < count; i++)
                {
                    items.Add(ReadValue(depth + 1));
                }

                return items;
            }
            case Amf0Marker.Date:
            {
                var milliseconds = BinaryPrimitives.ReadDoubleBigEndian(Take(8));
                Take(2); // Time zone: reserved, "should be 0x0000".
                if (!double.IsFinite(milliseconds) || Math.Abs(milliseconds) > 8.64e15)
                {
                    throw new RtmpException("An AMF0 date is out of range.");
                }

                return DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds);
            }
            case Amf0Marker.Null:
                return null;
            case Amf0Marker.Undefined:
                return Amf0Undefined.Value;
            default:
                throw new RtmpException($"AMF0 marker 0x{(byte)marker:x2} at offset {_position - 1} is not supported.");
        }
    }

    private Amf0Object ReadProperties(Amf0Object target, int depth)
    {
        while (true)
        {
            var nameLength = BinaryPrimitives.ReadUInt16BigEndian(Take(2));
            if (nameLength == 0 && _position < _data.Length && _data[_position] == (byte)Amf0Marker.ObjectEnd)
            {
                _position++;
                return target;
            }

            var name = ReadUtf8(nameLength);
            target.Add(name, ReadValue(depth + 1));
        }
    }

    private string ReadUtf8(uint length) =>
        length > (uint)(_data.Length - _position)
            ? throw new RtmpException($"An AMF0 string of {length} bytes runs past the end of the message.")
            : Encoding.UTF8.GetString(Take((int)length));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_data.Length - _position < count)
        {
            throw new RtmpException($"AMF0 data ends at offset {_data.Length}, in the middle of a value.");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
