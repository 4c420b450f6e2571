using System.Globalization;
using System.Text.RegularExpressions;

namespace PeerTube.Net.Media.Profiles;

/// <summary>
/// Placeholders a profile's video arguments may contain; each is replaced per rendition.
/// <c>{bitrate}</c> target bits/s, <c>{bufsize}</c> twice that, <c>{fps}</c> output frame rate,
/// <c>{gop}</c> frames between keyframes, <c>{keyframeInterval}</c> seconds between keyframes.
/// </summary>
public static partial class ProfilePlaceholders
{
    public const string Bitrate = "bitrate";
    public const string Bufsize = "bufsize";
    public const string Fps = "fps";
    public const string Gop = "gop";
    public const string KeyframeInterval = "keyframeInterval";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Bitrate, Bufsize, Fps, Gop, KeyframeInterval,
    };

    internal static IEnumerable<string> Find(string argument) =>
        PlaceholderRegex().Matches(argument).Select(m => m.Groups[1].Value);

    internal static string Substitute(string argument, IReadOnlyDictionary<string, string> values) =>
        PlaceholderRegex().Replace(argument, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : m.Value);

    internal static string FormatNumber(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex PlaceholderRegex();
}
