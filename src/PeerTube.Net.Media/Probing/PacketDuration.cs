using System.Globalization;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media.Probing;

/// <summary>
/// Measures how long a file really lasts from its packets: the end of the last audio or video packet minus the start of
/// the first. A header can lie both ways: an mp4 truncated after a front <c>moov</c> announces its full length while
/// holding a part of it, and a stream without an index can announce seconds while holding hours.
/// </summary>
/// <remarks>
/// Only packets are read, nothing is decoded, so the cost is reading the file once (a 3 h, 1 fps file: 10,800 packets,
/// well under a second). FFMpegCore's packet probe would build an object per packet; we stream ffprobe's compact output
/// instead. Bounded by the caller's token and by <see cref="Timeout"/>: past it, the header's duration stands.
/// </remarks>
internal static class PacketDuration
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static async Task<TimeSpan?> MeasureAsync(ToolIdentity ffprobe, string path, MediaInfo info, CancellationToken ct)
    {
        string[] arguments =
        [
            "-v", "error", "-protocol_whitelist", InputRestrictions.ProtocolWhitelist,
            "-show_entries", "packet=codec_type,pts_time,dts_time,duration_time", "-of", "compact=p=0", path,
        ];

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        using var process = ProcessRunner.Start(ffprobe, arguments);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var scan = new Scan(info.Video is not null, info.Audio is not null);
        await using (timeout.Token.Register(static state => ProcessRunner.KillTree((System.Diagnostics.Process)state!), process))
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                scan.Feed(line);
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
        }

        ct.ThrowIfCancellationRequested();
        // Timed out, or ffprobe failed before the first packet: keep what the header says.
        return timeout.IsCancellationRequested ? null : scan.Duration;
    }

    /// <summary>Reads lines such as <c>codec_type=video|pts_time=1.000000|dts_time=1.000000|duration_time=0.040000</c>.</summary>
    internal sealed class Scan(bool video, bool audio)
    {
        private double _start = double.PositiveInfinity;
        private double _end = double.NegativeInfinity;

        public TimeSpan? Duration =>
            _end > _start && double.IsFinite(_end)
                // Negative start times are encoder priming (AAC): the content starts at zero.
                ? TimeSpan.FromSeconds(_end - Math.Max(0, _start))
                : null;

        public void Feed(string line)
        {
            string? type = null;
            double? pts = null, dts = null, duration = null;
            foreach (var field in line.Split('|'))
            {
                var separator = field.IndexOf('=', StringComparison.Ordinal);
                if (separator <= 0)
                {
                    continue;
                }

                var key = field.AsSpan(0, separator);
                var value = field[(separator + 1)..];
                switch (key)
                {
                    case "codec_type":
                        type = value;
                        break;
                    case "pts_time":
                        pts = Number(value);
                        break;
                    case "dts_time":
                        dts = Number(value);
                        break;
                    case "duration_time":
                        duration = Number(value);
                        break;
                }
            }

            if (!((type == "video" && video) || (type == "audio" && audio)) || (pts ?? dts) is not { } time)
            {
                return;
            }

            _start = Math.Min(_start, time);
            _end = Math.Max(_end, time + (duration is > 0 and var d ? d : 0));
        }

        private static double? Number(string text) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;
    }
}
