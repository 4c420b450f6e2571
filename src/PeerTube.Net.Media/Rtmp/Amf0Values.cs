namespace PeerTube.Net.Media.Rtmp;

/// <summary>AMF0 type markers (Adobe's AMF0 specification, section 2.1).</summary>
public enum Amf0Marker : byte
{
    Number = 0x00,
    Boolean = 0x01,
    String = 0x02,
    Object = 0x03,
    Null = 0x05,
    Undefined = 0x06,
    EcmaArray = 0x08,
    ObjectEnd = 0x09,
    StrictArray = 0x0A,
    Date = 0x0B,
    LongString = 0x0C,
}

/// <summary>
/// An AMF0 object: its properties in the order they were written (RTMP peers do not care about order, but a
/// round trip keeps it). Values are <see cref="double"/>, <see cref="bool"/>, <see cref="string"/>,
/// <see cref="Amf0Object"/>, <see cref="Amf0EcmaArray"/>, <see cref="List{T}"/> of values (strict array),
/// <see cref="DateTimeOffset"/>, <see cref="Amf0Undefined"/> or null.
/// </summary>
public class Amf0Object : List<KeyValuePair<string, object?>>
{
    public Amf0Object()
    {
    }

    public Amf0Object(IEnumerable<KeyValuePair<string, object?>> properties) : base(properties)
    {
    }

    public void Add(string name, object? value) => Add(new KeyValuePair<string, object?>(name, value));

    /// <summary>The first property of that name, or null.</summary>
    public object? this[string name] => Find(p => p.Key == name).Value;

    public string? GetString(string name) => this[name] as string;
}

/// <summary>An ECMA (associative) array, as onMetaData carries; on the wire it differs from an object by a count.</summary>
public sealed class Amf0EcmaArray : Amf0Object
{
    public Amf0EcmaArray()
    {
    }

    public Amf0EcmaArray(IEnumerable<KeyValuePair<string, object?>> properties) : base(properties)
    {
    }
}

/// <summary>AMF0's undefined, distinct from null (both occur in commands).</summary>
public sealed class Amf0Undefined
{
    public static readonly Amf0Undefined Value = new();

    private Amf0Undefined()
    {
    }
}
