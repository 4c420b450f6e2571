using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>PeerTube's computeOutputFPS, driven by the profile's fps rules.</summary>
internal static class FrameRates
{
    /// <summary>PeerTube rounds the probed frame rate (29.97 becomes 30); unknown frame rates fall back to the highest standard one.</summary>
    public static double NormalizeInput(double probedFps, FpsRules rules)
    {
        if (!double.IsFinite(probedFps) || probedFps <= 0)
        {
            return Math.Min(rules.Standard.Max(), rules.Max);
        }

        return probedFps >= 1 ? Math.Round(probedFps, MidpointRounding.AwayFromZero) : probedFps;
    }

    public static double Compute(double inputFps, int resolution, bool isOriginResolution, FpsRules rules)
    {
        var fps = inputFps;
        var standard = rules.Standard.Where(v => v <= rules.Max).DefaultIfEmpty(rules.Max).ToList();
        var average = Math.Min(standard.Max(), rules.Max);

        // Small renditions drop to a standard rate, ideally a divisor of the input so frames are dropped evenly.
        if (!isOriginResolution && resolution < rules.KeepOriginFpsResolutionMin && fps > average)
        {
            fps = Closest(fps, standard);
        }

        fps = Math.Max(fps, rules.Min);

        // PeerTube exempts the origin resolution from the cap; we never exceed the profile's max.
        if (fps > rules.Max)
        {
            fps = Closest(fps, rules.HdStandard.Append(rules.Max).Where(v => v <= rules.Max).ToList());
        }

        return fps;
    }

    private static double Closest(double fps, List<double> candidates)
    {
        var descending = candidates.OrderByDescending(v => v).ToList();
        foreach (var candidate in descending)
        {
            if (Math.Abs(Math.IEEERemainder(fps, candidate)) < 1e-9)
            {
                return candidate;
            }
        }

        // Stable sort: on equal remainders the higher frame rate wins, as in PeerTube.
        return descending.OrderBy(v => fps % v).First();
    }
}
