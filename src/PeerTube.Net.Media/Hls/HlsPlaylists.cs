using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PeerTube.Net.Media.Hls;

/// <summary>A segment's position inside a single-file fragmented MP4.</summary>
public sealed record ByteRange(long Offset, long Length);

/// <param name="Uri">The media playlist, relative to the master (e.g. <c>…-720.m3u8</c>).</param>
/// <param name="Bandwidth">Peak bits/s.</param>
/// <param name="Width">Null (with <paramref name="Height"/>) for the audio-only variant: no RESOLUTION is written.</param>
/// <param name="FrameRate">Null or 0 to omit FRAME-RATE.</param>
/// <param name="Codecs">RFC 6381 codecs, e.g. <c>avc1.64001f,mp4a.40.2</c> (see <see cref="CodecStrings"/>).</param>
public sealed record MasterPlaylistVariant(string Uri, long Bandwidth, int? Width, int? Height, double? FrameRate, string Codecs);

public static partial class HlsPlaylists
{
    /// <summary>
    /// The media segments' byte ranges (<c>#EXT-X-BYTERANGE:length@offset</c>), in order. The init section
    /// (<c>#EXT-X-MAP</c>'s BYTERANGE) is not a segment and is not returned, as PeerTube's getRangesFromPlaylist.
    /// A range without <c>@offset</c> continues right after the previous one, as RFC 8216 says.
    /// </summary>
    /// <exception cref="FormatException">The first byte range has no offset.</exception>
    public static IReadOnlyList<ByteRange> ParseSegmentByteRanges(string mediaPlaylistText)
    {
        ArgumentNullException.ThrowIfNull(mediaPlaylistText);

        var ranges = new List<ByteRange>();
        foreach (var rawLine in mediaPlaylistText.Split('\n'))
        {
            var match = ByteRangeRegex().Match(rawLine.Trim());
            if (!match.Success)
            {
                continue;
            }

            var length = long.Parse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            long offset;
            if (match.Groups[2].Success)
            {
                offset = long.Parse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (ranges.Count > 0)
            {
                offset = ranges[^1].Offset + ranges[^1].Length;
            }
            else
            {
                throw new FormatException("The first #EXT-X-BYTERANGE of the playlist has no @offset.");
            }

            ranges.Add(new ByteRange(offset, length));
        }

        return ranges;
    }

    /// <summary>A PeerTube-style master playlist listing the variants in the given order.</summary>
    public static string BuildMaster(IEnumerable<MasterPlaylistVariant> variants)
    {
        ArgumentNullException.ThrowIfNull(variants);

        var builder = new StringBuilder();
        builder.Append("#EXTM3U\n#EXT-X-VERSION:3\n\n");
        foreach (var variant in variants)
        {
            ArgumentNullException.ThrowIfNull(variant, nameof(variants));
            RequireSingleLine(variant.Uri, nameof(MasterPlaylistVariant.Uri));
            RequireSingleLine(variant.Codecs, nameof(MasterPlaylistVariant.Codecs));
            if (variant.Codecs.Contains('"', StringComparison.Ordinal))
            {
                throw new ArgumentException("Codecs must not contain a double quote.", nameof(variants));
            }

            builder.Append(CultureInfo.InvariantCulture, $"#EXT-X-STREAM-INF:BANDWIDTH={variant.Bandwidth}");
            if (variant is { Width: > 0, Height: > 0 })
            {
                builder.Append(CultureInfo.InvariantCulture, $",RESOLUTION={variant.Width}x{variant.Height}");
            }

            if (variant.FrameRate is > 0 and var fps)
            {
                builder.Append(",FRAME-RATE=").Append(fps.ToString("0.###", CultureInfo.InvariantCulture));
            }

            builder.Append(",CODECS=\"").Append(variant.Codecs).Append("\"\n");
            builder.Append(variant.Uri).Append('\n');
        }

        return builder.ToString();
    }

    private static void RequireSingleLine(string value, string name)
    {
        if (string.IsNullOrEmpty(value) || value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException($"{name} must be a non-empty single line.", name);
        }
    }

    [GeneratedRegex(@"\A#EXT-X-BYTERANGE:(\d{1,18})(?:@(\d{1,18}))?\z")]
    private static partial Regex ByteRangeRegex();
}
