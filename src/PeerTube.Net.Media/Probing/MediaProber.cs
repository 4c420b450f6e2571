using System.Text.Json;
using System.Text.RegularExpressions;
using FFMpegCore;
using FFMpegCore.Exceptions;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media.Probing;

/// <summary>
/// Probes a local file with FFMpegCore's <see cref="FFProbe.AnalyseAsync(string, FFOptions, string, CancellationToken)"/>
/// and maps its <see cref="IMediaAnalysis"/> to <see cref="MediaInfo"/>. The duration is then measured from the packets
/// themselves (<see cref="PacketDuration"/>), since a header can announce more (or less) than the file holds.
/// </summary>
/// <remarks>
/// ffprobe may only read local files (<see cref="InputRestrictions.ProtocolWhitelist"/>), and playlist-like formats (HLS,
/// concat lists, DASH manifests, SDP) are refused: their whole purpose is to make ffmpeg open other files or URLs.
/// </remarks>
public sealed partial class MediaProber(FfmpegTools tools)
{
    // A broken file can make a demuxer crawl; no real upload needs this long to probe.
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMinutes(2);

    private readonly FfmpegTools _tools = tools ?? throw new ArgumentNullException(nameof(tools));

    /// <exception cref="UnreadableMediaException">The file is missing, empty, not media, or has no usable stream or duration.</exception>
    /// <exception cref="FfmpegNotFoundException">ffprobe cannot be started (a configuration problem, not a bad file).</exception>
    /// <exception cref="MediaRefusedException">A playlist-like format, which an upload must never be.</exception>
    public Task<MediaInfo> ProbeAsync(string path, CancellationToken ct) => ProbeAsync(path, ownOutput: false, ct);

    /// <param name="ownOutput">A file we wrote (our own HLS playlist may be probed); uploads are never this.</param>
    public async Task<MediaInfo> ProbeAsync(string path, bool ownOutput, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);

        var file = new FileInfo(path);
        if (!file.Exists)
        {
            throw new UnreadableMediaException("The file does not exist.");
        }

        if (file.Length == 0)
        {
            throw new UnreadableMediaException("The file is empty.");
        }

        var options = FfmpegCoreOptions.For(ToolIdentity.Ffprobe(_tools));
        CommandLine.EnsureQuotablePath(path, nameof(path));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ProbeTimeout);

        IMediaAnalysis analysis;
        try
        {
            // FFMpegCore puts the custom arguments right before the input: they are input options.
            analysis = await FFProbe.AnalyseAsync(path, options, InputRestrictions.ProtocolWhitelistArgument, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new UnreadableMediaException($"ffprobe did not finish within {ProbeTimeout.TotalSeconds:0} seconds.");
        }
        catch (FFProbeProcessException e)
        {
            throw new UnreadableMediaException(DescribeFailure(e.ExitCode, e.StandardError, path));
        }
        catch (Exception e) when (e is FFMpegException or JsonException or FormatException or OverflowException or ArgumentException
                                       or InvalidOperationException or KeyNotFoundException)
        {
            throw new UnreadableMediaException("ffprobe described the file in a way we cannot interpret.", e);
        }

        // Before mapping: a playlist is refused as such, whatever else is wrong with it.
        if (!ownOutput)
        {
            InputRestrictions.EnsureAcceptedFormat(analysis.Format?.FormatName ?? "");
        }

        var info = FfprobeOutput.Map(analysis);

        if (ownOutput)
        {
            // What our own ffmpeg just muxed says its duration truthfully: no packet scan (it doubled the job's probes).
            return info;
        }

        TimeSpan? measured;
        try
        {
            measured = await PacketDuration.MeasureAsync(ToolIdentity.Ffprobe(_tools), path, info, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new UnreadableMediaException($"ffprobe did not finish within {ProbeTimeout.TotalSeconds:0} seconds.");
        }

        return measured is { } duration ? info with { Duration = duration } : info;
    }

    private static string DescribeFailure(int exitCode, IReadOnlyList<string> standardError, string path)
    {
        // ffprobe's useful detail ("moov atom not found") often comes on the line before the generic
        // "Invalid data found when processing input"; keep both, without our storage paths or demuxer addresses.
        var prefix = path + ": ";
        var lines = standardError
            .SelectMany(chunk => chunk.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(line => line.StartsWith(prefix, StringComparison.Ordinal) ? line[prefix.Length..] : line)
            .Select(line => DemuxerPrefixRegex().Replace(line, ""))
            .Where(line => line.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .TakeLast(3)
            .ToList();

        return lines.Count == 0
            ? $"ffprobe could not read the file (exit code {exitCode})."
            : $"ffprobe could not read the file: {string.Join("; ", lines)}";
    }

    [GeneratedRegex(@"^\[[^\]]+ @ 0x[0-9a-fA-F]+\]\s*")]
    private static partial Regex DemuxerPrefixRegex();
}
