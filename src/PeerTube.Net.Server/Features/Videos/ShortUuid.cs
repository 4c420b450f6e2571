using System.Globalization;
using System.Numerics;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// PeerTube's shortUUID: the UUID's 128 bits written in the flickrBase58 alphabet, most significant digit
/// first, left-padded with the alphabet's first character to 22 characters (the short-uuid npm package).
/// </summary>
public static class ShortUuid
{
    private const string Alphabet = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    private const int Length = 22;

    public static string FromGuid(Guid uuid)
    {
        var value = BigInteger.Parse("0" + uuid.ToString("N"), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var digits = new char[Length];
        var i = Length;
        while (value > 0 && i > 0)
        {
            value = BigInteger.DivRem(value, 58, out var remainder);
            digits[--i] = Alphabet[(int)remainder];
        }

        while (i > 0)
        {
            digits[--i] = Alphabet[0];
        }

        return new string(digits);
    }

    public static bool TryParse(string text, out Guid uuid)
    {
        uuid = Guid.Empty;
        if (text.Length is 0 or > Length)
        {
            return false;
        }

        BigInteger value = 0;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }

            value = value * 58 + digit;
        }

        var hex = value.ToString("x32", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(32, '0');
        return hex.Length == 32 && Guid.TryParseExact(hex, "N", out uuid);
    }
}
