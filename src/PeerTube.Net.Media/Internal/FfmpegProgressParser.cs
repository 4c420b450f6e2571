using System.Globalization;

namespace PeerTube.Net.Media.Internal;

/// <summary>
/// Reads ffmpeg's <c>-progress</c> key=value blocks. Each block ends with <c>progress=continue</c> or <c>progress=end</c>.
/// </summary>
internal sealed class FfmpegProgressParser(TimeSpan inputDuration)
{
    private long? _outTimeMicroseconds;
    private long _furthest = -1;

    public bool Ended { get; private set; }

    /// <summary>The furthest output time seen so far, in microseconds (-1 before any); read by the watchdog from another thread.</summary>
    public long FurthestMicroseconds => Interlocked.Read(ref _furthest);

    /// <summary>Returns a percentage when a block is complete, otherwise null.</summary>
    public double? Feed(string line)
    {
        var separator = line.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return null;
        }

        var key = line.AsSpan(0, separator).Trim();
        var value = line.AsSpan(separator + 1).Trim();

        switch (key)
        {
            // Despite its name, out_time_ms is in microseconds too (a long-standing ffmpeg quirk).
            case "out_time_us":
            case "out_time_ms":
                if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var micros) && micros >= 0)
                {
                    _outTimeMicroseconds = micros;
                }

                return null;
            case "out_time":
                if (_outTimeMicroseconds is null
                    && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var outTime)
                    && outTime >= TimeSpan.Zero)
                {
                    _outTimeMicroseconds = (long)outTime.TotalMicroseconds;
                }

                return null;
            case "progress":
                if (value.SequenceEqual("end"))
                {
                    Ended = true;
                    return 100;
                }

                if (_outTimeMicroseconds is { } seen && seen > Interlocked.Read(ref _furthest))
                {
                    Interlocked.Exchange(ref _furthest, seen);
                }

                var percent = Percent();
                _outTimeMicroseconds = null;
                return percent;
            default:
                return null;
        }
    }

    private double? Percent()
    {
        if (_outTimeMicroseconds is not { } micros || inputDuration <= TimeSpan.Zero)
        {
            return null;
        }

        return Math.Clamp(micros / inputDuration.TotalMicroseconds * 100, 0, 100);
    }
}
