using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace PeerTube.Net.Media.Torrents;

/// <summary>What the decoder will accept before it gives up; input from the network is hostile until proven otherwise.</summary>
/// <param name="MaxDepth">Lists and dictionaries nested deeper than this are rejected.</param>
/// <param name="MaxStringLength">A byte string declaring more bytes than this is rejected before anything is allocated.</param>
/// <param name="MaxItems">The most values (strings, integers, lists, dictionaries, keys included) one input may hold.</param>
public sealed record BencodeLimits(int MaxDepth = 64, long MaxStringLength = 64L * 1024 * 1024, int MaxItems = 1_000_000)
{
    public static BencodeLimits Default { get; } = new();
}

/// <summary>The input is not valid bencode. <see cref="Position"/> is the offset of the offending byte.</summary>
public sealed class BencodeException : FormatException
{
    public BencodeException(string reason, long position)
        : base($"Invalid bencode at byte {position}: {reason}")
    {
        Reason = reason;
        Position = position;
    }

    public long Position { get; }

    /// <summary>What was wrong, without the position.</summary>
    public string Reason { get; }
}

/// <summary>Bencoding (BEP 3).</summary>
public static class Bencode
{
    /// <summary>Encodes canonically: dictionary keys sorted by their raw bytes, integers without leading zeros.</summary>
    /// <exception cref="ArgumentException">Two dictionary keys encode to the same bytes, or a key is not valid Unicode.</exception>
    public static byte[] Encode(BValue value)
    {
        var writer = new ArrayBufferWriter<byte>();
        Encode(value, writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <inheritdoc cref="Encode(BValue)"/>
    public static void Encode(BValue value, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(writer);
        Write(value, writer);
    }

    /// <summary>Decodes <paramref name="data"/>, which must hold exactly one value and nothing after it.</summary>
    /// <exception cref="BencodeException">The data is not exactly one valid value, or breaks a limit.</exception>
    public static BValue Decode(ReadOnlySpan<byte> data, BencodeLimits? limits = null)
    {
        var value = Decode(data, out var consumed, limits);
        if (consumed != data.Length)
        {
            throw new BencodeException($"{data.Length - consumed} bytes of trailing data after the value", consumed);
        }

        return value;
    }

    /// <summary>Decodes the one value at the front of <paramref name="data"/>; <paramref name="consumed"/> says where it ended.</summary>
    /// <exception cref="BencodeException">The data does not start with a valid value, or breaks a limit.</exception>
    public static BValue Decode(ReadOnlySpan<byte> data, out int consumed, BencodeLimits? limits = null) =>
        new Decoder(limits ?? BencodeLimits.Default).Decode(data, out consumed);

    private static void Write(BValue value, IBufferWriter<byte> writer)
    {
        // Decoded values are at most BencodeLimits.MaxDepth deep; this only guards hand-built pathological trees.
        RuntimeHelpers.EnsureSufficientExecutionStack();

        switch (value)
        {
            case BString s:
                WriteString(s.Bytes.Span, writer);
                break;
            case BInteger i:
                {
                    var span = writer.GetSpan(22);
                    span[0] = (byte)'i';
                    i.Value.TryFormat(span[1..], out var written, provider: CultureInfo.InvariantCulture);
                    span[written + 1] = (byte)'e';
                    writer.Advance(written + 2);
                    break;
                }
            case BList l:
                WriteByte((byte)'l', writer);
                foreach (var item in l.Items)
                {
                    Write(item ?? throw new ArgumentException("A list holds a null item."), writer);
                }

                WriteByte((byte)'e', writer);
                break;
            case BDictionary d:
                {
                    var entries = d.Entries
                        .Select(e => (Key: BencodeKeys.ToBytes(e.Key), e.Value))
                        .ToArray();
                    Array.Sort(entries, (a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
                    WriteByte((byte)'d', writer);
                    for (var n = 0; n < entries.Length; n++)
                    {
                        if (n > 0 && entries[n].Key.AsSpan().SequenceEqual(entries[n - 1].Key))
                        {
                            throw new ArgumentException($"Two dictionary keys encode to the same bytes (\"{BencodeKeys.FromBytes(entries[n].Key)}\").");
                        }

                        WriteString(entries[n].Key, writer);
                        Write(entries[n].Value ?? throw new ArgumentException("A dictionary holds a null value."), writer);
                    }

                    WriteByte((byte)'e', writer);
                    break;
                }
            default:
                throw new ArgumentException($"Unknown bencode value type {value?.GetType().Name ?? "null"}.");
        }
    }

    private static void WriteString(ReadOnlySpan<byte> bytes, IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(12);
        bytes.Length.TryFormat(span, out var written, provider: CultureInfo.InvariantCulture);
        span[written] = (byte)':';
        writer.Advance(written + 1);
        writer.Write(bytes);
    }

    private static void WriteByte(byte b, IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = b;
        writer.Advance(1);
    }

    /// <summary>
    /// Iterative, so nesting depth costs heap (bounded by <see cref="BencodeLimits.MaxDepth"/>), never stack.
    /// Every length is checked against the remaining input before anything is allocated.
    /// </summary>
    private sealed class Decoder(BencodeLimits limits)
    {
        private readonly List<Frame> _stack = [];
        private int _items;

        public BValue Decode(ReadOnlySpan<byte> data, out int consumed)
        {
            if (data.IsEmpty)
            {
                throw new BencodeException("the input is empty", 0);
            }

            var pos = 0;
            while (true)
            {
                if (pos >= data.Length)
                {
                    var open = _stack[^1];
                    throw new BencodeException(
                        $"unexpected end of data: the {open.Kind} opened at byte {open.Start} is not closed", pos);
                }

                var b = data[pos];
                var top = _stack.Count > 0 ? _stack[^1] : null;
                if (top is { Dictionary: not null, PendingKey: null } && b != 'e' && !IsDigit(b))
                {
                    throw new BencodeException($"a dictionary key must be a byte string, found {Describe(b)}", pos);
                }

                BValue value;
                var start = pos;
                switch (b)
                {
                    case (byte)'i':
                        CountItem(pos);
                        value = new BInteger(ReadInteger(data, ref pos));
                        break;
                    case >= (byte)'0' and <= (byte)'9':
                        CountItem(pos);
                        value = new BString(ReadString(data, ref pos));
                        break;
                    case (byte)'l' or (byte)'d':
                        CountItem(pos);
                        if (_stack.Count >= limits.MaxDepth)
                        {
                            throw new BencodeException($"lists and dictionaries are nested more than {limits.MaxDepth} deep", pos);
                        }

                        _stack.Add(b == 'l' ? new Frame(pos, [], null) : new Frame(pos, null, new Dictionary<string, BValue>(StringComparer.Ordinal)));
                        pos++;
                        continue;
                    case (byte)'e':
                        if (top is null)
                        {
                            throw new BencodeException("unexpected 'e': no list or dictionary is open", pos);
                        }

                        if (top.PendingKey is not null)
                        {
                            throw new BencodeException($"the dictionary key \"{top.PendingKey}\" has no value", pos);
                        }

                        _stack.RemoveAt(_stack.Count - 1);
                        value = top.List is not null ? new BList(top.List) : new BDictionary(top.Dictionary!);
                        pos++;
                        break;
                    default:
                        throw new BencodeException($"expected a value (i, l, d or a digit), found {Describe(b)}", pos);
                }

                if (_stack.Count == 0)
                {
                    consumed = pos;
                    return value;
                }

                var parent = _stack[^1];
                if (parent.List is not null)
                {
                    parent.List.Add(value);
                }
                else if (parent.PendingKey is null)
                {
                    var key = BencodeKeys.FromBytes(((BString)value).Bytes.Span);
                    if (parent.Dictionary!.ContainsKey(key))
                    {
                        throw new BencodeException($"duplicate dictionary key \"{key}\"", start);
                    }

                    parent.PendingKey = key;
                }
                else
                {
                    parent.Dictionary!.Add(parent.PendingKey, value);
                    parent.PendingKey = null;
                }
            }
        }

        private void CountItem(int pos)
        {
            if (++_items > limits.MaxItems)
            {
                throw new BencodeException($"more than {limits.MaxItems} values", pos);
            }
        }

        private static long ReadInteger(ReadOnlySpan<byte> data, ref int pos)
        {
            var start = pos;
            pos++; // 'i'
            var negative = pos < data.Length && data[pos] == '-';
            if (negative)
            {
                pos++;
            }

            var digitsStart = pos;
            var limit = negative ? 9_223_372_036_854_775_808UL : long.MaxValue;
            ulong magnitude = 0;
            while (pos < data.Length && IsDigit(data[pos]))
            {
                var digit = (uint)(data[pos] - '0');
                if (magnitude > (limit - digit) / 10)
                {
                    throw new BencodeException($"the integer does not fit in 64 bits", start);
                }

                magnitude = magnitude * 10 + digit;
                pos++;
            }

            if (pos >= data.Length)
            {
                throw new BencodeException($"unexpected end of data: the integer opened at byte {start} is not closed with 'e'", pos);
            }

            if (pos == digitsStart)
            {
                throw new BencodeException($"an integer needs at least one digit, found {Describe(data[pos])}", pos);
            }

            if (data[pos] != 'e')
            {
                throw new BencodeException($"expected a digit or 'e' in the integer, found {Describe(data[pos])}", pos);
            }

            if (data[digitsStart] == '0' && pos - digitsStart > 1)
            {
                throw new BencodeException("an integer may not have leading zeros", digitsStart);
            }

            if (negative && magnitude == 0)
            {
                throw new BencodeException("-0 is not a valid integer", start);
            }

            pos++; // 'e'
            return negative ? (long)(0UL - magnitude) : (long)magnitude;
        }

        private byte[] ReadString(ReadOnlySpan<byte> data, ref int pos)
        {
            var start = pos;
            long length = 0;
            while (pos < data.Length && IsDigit(data[pos]))
            {
                length = length * 10 + (data[pos] - '0');
                if (length > limits.MaxStringLength)
                {
                    var digits = pos - start + 1;
                    while (pos < data.Length && IsDigit(data[pos]) && digits < 30)
                    {
                        pos++;
                        digits++;
                    }

                    throw new BencodeException(
                        $"the string declares {System.Text.Encoding.ASCII.GetString(data[start..pos])} bytes, more than the limit of {limits.MaxStringLength}",
                        start);
                }

                pos++;
            }

            if (pos >= data.Length)
            {
                throw new BencodeException($"unexpected end of data: the string length at byte {start} has no ':'", pos);
            }

            if (data[pos] != ':')
            {
                throw new BencodeException($"expected a digit or ':' in the string length, found {Describe(data[pos])}", pos);
            }

            if (data[start] == '0' && pos - start > 1)
            {
                throw new BencodeException("a string length may not have leading zeros", start);
            }

            pos++; // ':'
            var remaining = data.Length - pos;
            if (length > remaining)
            {
                throw new BencodeException(
                    $"unexpected end of data: the string declares {length} bytes but only {remaining} remain", start);
            }

            var bytes = data.Slice(pos, (int)length).ToArray();
            pos += (int)length;
            return bytes;
        }

        private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

        private static string Describe(byte b) =>
            b is >= 0x21 and < 0x7F ? $"'{(char)b}'" : $"byte 0x{b:x2}";

        private sealed class Frame(long start, List<BValue>? list, Dictionary<string, BValue>? dictionary)
        {
            public long Start { get; } = start;
            public List<BValue>? List { get; } = list;
            public Dictionary<string, BValue>? Dictionary { get; } = dictionary;
            public string? PendingKey { get; set; }
            public string Kind => List is not null ? "list" : "dictionary";
        }
    }
}
