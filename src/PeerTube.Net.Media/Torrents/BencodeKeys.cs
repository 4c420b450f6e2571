using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace PeerTube.Net.Media.Torrents;

/// <summary>
/// Raw dictionary-key bytes ↔ strings without loss: valid UTF-8 is read as text, and each byte that is not is held as
/// U+DC00 + byte (a lone low surrogate, which valid UTF-8 can never produce), as Python's "surrogateescape".
/// </summary>
internal static class BencodeKeys
{
    private const char EscapeBase = '\uDC00';
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }

        var builder = new StringBuilder(bytes.Length);
        Span<char> chars = stackalloc char[2];
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == OperationStatus.Done)
            {
                builder.Append(chars[..rune.EncodeToUtf16(chars)]);
                bytes = bytes[consumed..];
            }
            else
            {
                builder.Append((char)(EscapeBase + bytes[0]));
                bytes = bytes[1..];
            }
        }

        return builder.ToString();
    }

    public static byte[] ToBytes(string key)
    {
        if (!key.AsSpan().ContainsAnyInRange('\uDC80', '\uDCFF'))
        {
            return Strict(key);
        }

        var bytes = new List<byte>(key.Length);
        var start = 0;
        for (var i = 0; i < key.Length; i++)
        {
            // A low surrogate preceded by a high one is half of a real character, not an escaped byte.
            var escaped = key[i] is >= '\uDC80' and <= '\uDCFF' && (i == 0 || !char.IsHighSurrogate(key[i - 1]));
            if (escaped)
            {
                bytes.AddRange(Strict(key[start..i]));
                bytes.Add((byte)(key[i] - EscapeBase));
                start = i + 1;
            }
        }

        bytes.AddRange(Strict(key[start..]));
        return bytes.ToArray();
    }

    private static byte[] Strict(string text)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The dictionary key \"{text}\" holds a lone surrogate; it is not valid Unicode.", e);
        }
    }
}
