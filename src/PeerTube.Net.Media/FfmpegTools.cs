using System.Text.RegularExpressions;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media;

/// <summary>Where the ffmpeg and ffprobe executables are (a bare name is looked up on PATH).</summary>
public sealed partial record FfmpegTools(string FfmpegPath = "ffmpeg", string FfprobePath = "ffprobe")
{
    /// <summary>
    /// Runs <c>ffmpeg -version</c> and <c>ffmpeg -encoders</c> so features can be gated on what this ffmpeg supports.
    /// </summary>
    /// <exception cref="FfmpegNotFoundException">ffmpeg cannot be started.</exception>
    /// <exception cref="FfmpegFailedException">ffmpeg started but failed.</exception>
    public static async Task<FfmpegCapabilities> DetectAsync(FfmpegTools tools, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tools);
        var ffmpeg = ToolIdentity.Ffmpeg(tools);

        var version = await ProcessRunner.RunAsync(ffmpeg, ["-hide_banner", "-version"], ct).ConfigureAwait(false);
        ThrowIfFailed(version);

        var encoders = await ProcessRunner.RunAsync(ffmpeg, ["-hide_banner", "-encoders"], ct).ConfigureAwait(false);
        ThrowIfFailed(encoders);

        return new FfmpegCapabilities(ParseVersion(version.StandardOutput), ParseEncoders(encoders.StandardOutput));
    }

    internal static string ParseVersion(string versionOutput)
    {
        var firstLine = versionOutput.Split('\n', 2)[0].Trim();
        var match = VersionRegex().Match(firstLine);
        return match.Success ? match.Groups[1].Value : firstLine;
    }

    internal static IReadOnlySet<string> ParseEncoders(string encodersOutput)
    {
        var encoders = new HashSet<string>(StringComparer.Ordinal);
        var pastLegend = false;
        foreach (var rawLine in encodersOutput.Split('\n'))
        {
            var line = rawLine.Trim();
            if (!pastLegend)
            {
                // The legend (" V..... = Video") ends with a " ------" separator line.
                pastLegend = line.StartsWith("---", StringComparison.Ordinal);
                continue;
            }

            var match = EncoderLineRegex().Match(line);
            if (match.Success)
            {
                encoders.Add(match.Groups[1].Value);
            }
        }

        return encoders;
    }

    private static void ThrowIfFailed(ProcessRunner.Result result)
    {
        if (result.ExitCode != 0)
        {
            var tail = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(20).ToArray();
            throw new FfmpegFailedException(result.ExitCode, tail);
        }
    }

    [GeneratedRegex(@"^ffmpeg version (\S+)")]
    private static partial Regex VersionRegex();

    [GeneratedRegex(@"^[VAS][F.][S.][X.][B.][D.]\s+(\S+)")]
    private static partial Regex EncoderLineRegex();
}

/// <param name="Version">The version token ffmpeg prints, e.g. <c>5.1.9-0+deb12u1</c>.</param>
/// <param name="Encoders">Encoder names, e.g. <c>libx264</c>, <c>aac</c>.</param>
public sealed record FfmpegCapabilities(string Version, IReadOnlySet<string> Encoders);
