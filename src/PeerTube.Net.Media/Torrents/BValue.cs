using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace PeerTube.Net.Media.Torrents;

/// <summary>A bencoded value (BEP 3): a byte string, an integer, a list or a dictionary.</summary>
/// <remarks>Equality is by value, so a decoded value can be compared with the one that was encoded.</remarks>
public abstract record BValue;

/// <summary>A byte string. It need not be text: torrent piece hashes and compact peer lists are raw bytes.</summary>
public sealed record BString(ReadOnlyMemory<byte> Bytes) : BValue
{
    public static BString Empty { get; } = new(ReadOnlyMemory<byte>.Empty);

    /// <summary>The bytes read as UTF-8; invalid sequences become U+FFFD.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    public int Length => Bytes.Length;

    public static BString From(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new BString(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Copies <paramref name="bytes"/>.</summary>
    public static BString From(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    public bool Equals(BString? other) => other is not null && Bytes.Span.SequenceEqual(other.Bytes.Span);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes.Span);
        return hash.ToHashCode();
    }

    public override string ToString()
    {
        // For test output and debugging: short text as text, anything else as the start of its hex.
        const int ShownText = 256;
        const int ShownHex = 32;
        var span = Bytes.Span;
        if (span.Length <= ShownText && Utf8.IsValid(span) && !Text.Any(char.IsControl))
        {
            return $"\"{Text}\"";
        }

        var hex = Convert.ToHexStringLower(span[..Math.Min(span.Length, ShownHex)]);
        return span.Length <= ShownHex ? $"<{hex}>" : $"<{hex}…> ({span.Length} bytes)";
    }
}

public sealed record BInteger(long Value) : BValue
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record BList(IReadOnlyList<BValue> Items) : BValue
{
    public static BList Empty { get; } = new(Array.Empty<BValue>());

    public BValue this[int index] => Items[index];

    public int Count => Items.Count;

    public static BList Of(params IEnumerable<BValue> items) => new(items.ToArray());

    public bool Equals(BList? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Items.Count);
        foreach (var item in Items.Take(8))
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => "[" + string.Join(", ", Items) + "]";
}

/// <summary>
/// A dictionary. Bencode keys are byte strings; here they are strings: UTF-8 text, and any byte that is not part of
/// valid UTF-8 is held as the lone surrogate U+DC80–U+DCFF (as Python's "surrogateescape"), so a key such as a raw
/// 20-byte info-hash in a scrape response survives decoding and re-encoding byte for byte.
/// Use <see cref="KeyFromBytes"/> / <see cref="KeyToBytes"/> for such keys.
/// </summary>
/// <remarks>
/// The encoder always writes keys sorted by their raw bytes, as BEP 3 requires. The decoder accepts unsorted keys
/// (some old tools wrote them) and keeps them in input order in <see cref="Entries"/>; it rejects duplicate keys.
/// </remarks>
public sealed record BDictionary(IReadOnlyDictionary<string, BValue> Entries) : BValue
{
    public static BDictionary Empty { get; } = new(new Dictionary<string, BValue>());

    /// <summary>The value under <paramref name="key"/>, or null when absent.</summary>
    public BValue? this[string key] => Entries.TryGetValue(key, out var value) ? value : null;

    public int Count => Entries.Count;

    /// <summary>True when <paramref name="key"/> is present and holds a <typeparamref name="T"/>.</summary>
    public bool TryGet<T>(string key, [MaybeNullWhen(false)] out T value) where T : BValue
    {
        if (Entries.TryGetValue(key, out var found) && found is T typed)
        {
            value = typed;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Builds a dictionary from loosely typed values: <see cref="BValue"/>; <see cref="string"/> (UTF-8);
    /// <c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/> of bytes (raw string); <see cref="long"/>, <see cref="int"/> and the
    /// other integer types; a dictionary with string keys; any other sequence (a list, each item converted the same way).
    /// An entry whose value is null is left out, so optional fields can be written inline.
    /// </summary>
    /// <exception cref="ArgumentException">A key appears twice, or a value has a type bencode cannot hold.</exception>
    public static BDictionary Of(params (string Key, object? Value)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var dictionary = new Dictionary<string, BValue>(entries.Length, StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(entries));
            if (value is null)
            {
                continue;
            }

            if (!dictionary.TryAdd(key, ToBValue(value)))
            {
                throw new ArgumentException($"Duplicate dictionary key \"{key}\".", nameof(entries));
            }
        }

        return new BDictionary(dictionary);
    }

    /// <summary>The key string that stands for these raw key bytes (for example a 20-byte info-hash in a scrape response).</summary>
    public static string KeyFromBytes(ReadOnlySpan<byte> bytes) => BencodeKeys.FromBytes(bytes);

    /// <summary>The raw bytes a key is encoded as; the inverse of <see cref="KeyFromBytes"/>.</summary>
    /// <exception cref="ArgumentException">The key holds a lone surrogate outside U+DC80–U+DCFF.</exception>
    public static byte[] KeyToBytes(string key) => BencodeKeys.ToBytes(key);

    public bool Equals(BDictionary? other)
    {
        if (other is null || other.Entries.Count != Entries.Count)
        {
            return false;
        }

        foreach (var (key, value) in Entries)
        {
            if (!other.Entries.TryGetValue(key, out var otherValue) || !value.Equals(otherValue))
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode()
    {
        // Order-independent, like the equality above.
        var keys = 0;
        foreach (var key in Entries.Keys)
        {
            keys ^= StringComparer.Ordinal.GetHashCode(key);
        }

        return HashCode.Combine(Entries.Count, keys);
    }

    public override string ToString() =>
        "{" + string.Join(", ", Entries.Select(e => $"\"{e.Key}\": {e.Value}")) + "}";

    internal static BValue ToBValue(object value) => value switch
    {
        BValue b => b,
        string s => BString.From(s),
        byte[] bytes => new BString(bytes),
        ReadOnlyMemory<byte> memory => new BString(memory),
        Memory<byte> memory => new BString(memory),
        long l => new BInteger(l),
        int i => new BInteger(i),
        short s => new BInteger(s),
        ushort s => new BInteger(s),
        byte b => new BInteger(b),
        sbyte b => new BInteger(b),
        uint u => new BInteger(u),
        ulong u when u <= long.MaxValue => new BInteger((long)u),
        IReadOnlyDictionary<string, BValue> d => new BDictionary(d),
        IEnumerable<KeyValuePair<string, object?>> d => Of(d.Select(e => (e.Key, e.Value)).ToArray()),
        IEnumerable<BValue> items => new BList(items.ToArray()),
        IEnumerable items => new BList(items.Cast<object?>()
            .Select(item => item is null ? throw new ArgumentException("A list item is null.") : ToBValue(item))
            .ToArray()),
        _ => throw new ArgumentException($"A {value.GetType().Name} cannot be bencoded."),
    };
}
