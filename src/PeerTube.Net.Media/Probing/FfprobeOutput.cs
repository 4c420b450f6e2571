using System.Globalization;
using System.Text.Json;
using FFMpegCore;

namespace PeerTube.Net.Media.Probing;

/// <summary>
/// Maps FFMpegCore's <see cref="IMediaAnalysis"/> (from <c>ffprobe -print_format json -show_format -sexagesimal
/// -show_streams -show_chapters</c>, FFMpegCore's fixed probe arguments) to <see cref="MediaInfo"/>. Every problem
/// becomes an <see cref="UnreadableMediaException"/>.
/// </summary>
/// <remarks>
/// Everything we use has a typed field in FFMpegCore 6.0.0, with three gaps filled here: the Matroska <c>DURATION</c>
/// stream tag (read from <see cref="MediaStream.Tags"/>, FFMpegCore ignores it), "unknown" values that FFMpegCore turns
/// into 0 or NaN (duration, level, frame rate), and the cover-art disposition (read from <see cref="MediaStream.Disposition"/>;
/// FFMpegCore's <see cref="IMediaAnalysis.PrimaryVideoStream"/> would pick an MP3's cover art).
/// </remarks>
internal static class FfprobeOutput
{
    // Above what any encoder we care about produces (HEVC/AV1 top out at 16384).
    internal const int MaxDimension = 16384;

    // About 3 years: anything beyond is a broken header, not a video.
    private const double MaxDurationSeconds = 1e8;

    /// <summary>Recorded ffprobe JSON (as FFMpegCore's arguments produce it) read through <see cref="FFProbe.FromJson"/>.</summary>
    public static MediaInfo Parse(string json)
    {
        IMediaAnalysis analysis;
        try
        {
            analysis = FFProbe.FromJson(json);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new UnreadableMediaException("ffprobe returned output we cannot read.", ex);
        }

        return Map(analysis);
    }

    public static MediaInfo Map(IMediaAnalysis analysis)
    {
        try
        {
            return MapUnchecked(analysis);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or KeyNotFoundException or NullReferenceException)
        {
            throw new UnreadableMediaException("ffprobe described the file in a way we cannot interpret.", ex);
        }
    }

    private static MediaInfo MapUnchecked(IMediaAnalysis analysis)
    {
        var videoStream = analysis.VideoStreams.OrderBy(s => s.Index).FirstOrDefault(s => !IsPicture(s));
        var audioStream = analysis.AudioStreams.OrderBy(s => s.Index).FirstOrDefault();

        var video = videoStream is null ? null : MapVideo(videoStream);
        var audio = audioStream is null ? null : MapAudio(audioStream);
        if (video is null && audio is null)
        {
            throw new UnreadableMediaException("The file has neither a video nor an audio stream.");
        }

        var format = analysis.Format;
        return new MediaInfo(
            Duration(analysis),
            format?.BitRate is > 0 and var bitRate ? bitRate : null,
            format?.FormatName is { Length: > 0 } name ? name : "unknown",
            video,
            audio);
    }

    private static VideoStreamInfo MapVideo(VideoStream stream)
    {
        var width = stream.Width ?? 0;
        var height = stream.Height ?? 0;
        if (width < 2 || height < 2 || width > MaxDimension || height > MaxDimension)
        {
            throw new UnreadableMediaException($"The video has unusable dimensions ({width}x{height}).");
        }

        // VideoStream.Rotation reads the display matrix side data, or the older "rotate" tag.
        var rotation = NormalizeRotation(stream.Rotation);
        if (rotation is 90 or 270)
        {
            (width, height) = (height, width);
        }

        return new VideoStreamInfo(
            NonEmpty(stream.CodecName) ?? "unknown",
            width,
            height,
            FrameRate(stream),
            stream.BitRate is > 0 and var bitRate ? bitRate : null,
            NonEmpty(stream.PixelFormat),
            NonEmpty(stream.Profile),
            stream.Level > 0 ? stream.Level : null)
        {
            Rotation = rotation,
        };
    }

    private static AudioStreamInfo MapAudio(AudioStream stream) =>
        new(
            NonEmpty(stream.CodecName) ?? "unknown",
            stream.Channels ?? 0,
            stream.SampleRateHz ?? 0,
            stream.BitRate is > 0 and var bitRate ? bitRate : null,
            NonEmpty(stream.Profile));

    private static TimeSpan Duration(IMediaAnalysis analysis)
    {
        // FFMpegCore parses "N/A" or a missing duration as zero.
        var duration = analysis.Format?.Duration ?? TimeSpan.Zero;
        if (duration <= TimeSpan.Zero)
        {
            // Some containers (raw streams, some mkv) only know per-stream durations.
            duration = analysis.VideoStreams.Cast<MediaStream>().Concat(analysis.AudioStreams)
                .Select(s => s.Duration > TimeSpan.Zero ? s.Duration : TagDuration(s))
                .DefaultIfEmpty(TimeSpan.Zero)
                .Max();
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new UnreadableMediaException("The file has no duration (zero or unknown).");
        }

        if (duration.TotalSeconds > MaxDurationSeconds)
        {
            throw new UnreadableMediaException("The file claims an absurd duration.");
        }

        return duration;
    }

    private static TimeSpan TagDuration(MediaStream stream)
    {
        // Matroska stores "DURATION": "00:00:04.000000000" as a stream tag.
        if (stream.Tags is null)
        {
            return TimeSpan.Zero;
        }

        foreach (var (name, text) in stream.Tags)
        {
            if (name.Equals("DURATION", StringComparison.OrdinalIgnoreCase) && text is not null)
            {
                // TimeSpan cannot hold nine fractional digits.
                var trimmed = text.Length > 16 ? text[..16] : text;
                if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var value))
                {
                    return value;
                }
            }
        }

        return TimeSpan.Zero;
    }

    private static double FrameRate(VideoStream stream)
    {
        // avg_frame_rate, then r_frame_rate; FFMpegCore gives NaN or infinity for "0/0".
        foreach (var fps in (double[])[stream.AverageFrameRate, stream.RealFrameRate])
        {
            if (fps > 0 && double.IsFinite(fps))
            {
                return fps;
            }
        }

        return 0;
    }

    private static int NormalizeRotation(double degrees)
    {
        if (!double.IsFinite(degrees))
        {
            return 0;
        }

        // Only quarter turns are shown by players; anything else is treated as the nearest one.
        var quarter = (int)Math.Round(degrees / 90, MidpointRounding.AwayFromZero);
        return ((quarter % 4) + 4) % 4 * 90;
    }

    private static bool IsPicture(MediaStream stream) =>
        stream.Disposition is { } disposition
        && ((disposition.TryGetValue("attached_pic", out var picture) && picture)
            || (disposition.TryGetValue("timed_thumbnails", out var thumbnails) && thumbnails));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
