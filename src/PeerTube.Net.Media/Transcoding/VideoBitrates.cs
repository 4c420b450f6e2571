using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>PeerTube's bitrate.ts and getTargetBitrate, driven by the profile's bits-per-pixel table.</summary>
internal static class VideoBitrates
{
    /// <summary>Average theoretical bitrate, capped by the input bitrate plus margin, floored by the minimum.</summary>
    public static long Target(long? inputBitrate, int resolution, double ratio, double fps, VideoBitrateRules rules)
    {
        double capped = Average(resolution, ratio, fps, rules);
        if (inputBitrate is > 0 and var input)
        {
            capped = Math.Min(capped, input + (input * rules.InputMarginPercent / 100));
        }

        return (long)Math.Floor(Math.Max(Min(resolution, ratio, fps, rules), capped));
    }

    public static long Average(int resolution, double ratio, double fps, VideoBitrateRules rules) =>
        Calculate(resolution, ratio, fps, rules, row => row.Average) is > 0 and var value ? value : rules.Fallback.Average;

    public static long Max(int resolution, double ratio, double fps, VideoBitrateRules rules) =>
        Calculate(resolution, ratio, fps, rules, row => row.Max) is > 0 and var value ? value : rules.Fallback.Max;

    public static long Min(int resolution, double ratio, double fps, VideoBitrateRules rules) =>
        Calculate(resolution, ratio, fps, rules, row => row.Min) is > 0 and var value ? value : rules.Fallback.Min;

    /// <summary>PeerTube's buildAspectRatio: width / height with 4 decimals.</summary>
    public static double AspectRatio(int width, int height) =>
        width <= 0 || height <= 0 ? 0 : Math.Round((double)width / height, 4, MidpointRounding.AwayFromZero);

    private static long Calculate(int resolution, double ratio, double fps, VideoBitrateRules rules, Func<BitsPerPixel, double> pick)
    {
        // The row of the largest table resolution at or below the rendition, as PeerTube walks 4K -> 144p.
        var row = rules.BitsPerPixel.Where(r => r.Resolution <= resolution).MaxBy(r => r.Resolution);
        if (row is null)
        {
            return 0;
        }

        double shortSide = resolution;
        var longSide = ratio is > 0 and < 1 ? resolution / ratio : resolution * ratio;
        return (long)Math.Floor(shortSide * longSide * fps * pick(row));
    }
}
