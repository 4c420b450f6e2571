using System.Globalization;

namespace PeerTube.Net.Media.Probing;

/// <summary>
/// What an instance accepts before any transcoding starts: a long, huge or very fast source costs decode time in
/// proportion, whatever its size on disk (a 16×16, 1 fps file can last hours and weigh almost nothing).
/// </summary>
/// <param name="MaxLongSide">Pixels on the longer side, after rotation (8K: 7680).</param>
/// <param name="MaxShortSide">Pixels on the shorter side, after rotation (8K: 4320).</param>
public sealed record MediaLimits(TimeSpan MaxDuration, int MaxLongSide, int MaxShortSide, double MaxFps)
{
    public static readonly MediaLimits Default = new(TimeSpan.FromHours(6), 7680, 4320, 120);

    public const string DurationTooLong = "video_duration_too_long";
    public const string ResolutionTooHigh = "video_resolution_too_high";
    public const string FrameRateTooHigh = "video_fps_too_high";

    /// <exception cref="MediaRefusedException">The first limit the media exceeds, with a reason fit to show the uploader.</exception>
    public void Check(MediaInfo media)
    {
        ArgumentNullException.ThrowIfNull(media);
        if (media.Duration > MaxDuration)
        {
            throw new MediaRefusedException(DurationTooLong,
                $"The video lasts {Format(media.Duration)}, longer than the maximum of {Format(MaxDuration)} on this instance.");
        }

        if (media.Video is { } video)
        {
            var longSide = Math.Max(video.Width, video.Height);
            var shortSide = Math.Min(video.Width, video.Height);
            if (longSide > MaxLongSide || shortSide > MaxShortSide)
            {
                throw new MediaRefusedException(ResolutionTooHigh,
                    $"The video is {video.Width}x{video.Height}, larger than the maximum of {MaxLongSide}x{MaxShortSide} on this instance.");
            }

            // A hundredth of slack: 119.88 or 120.0001 (rounding in the container) is 120.
            if (video.Fps > MaxFps + 0.01)
            {
                throw new MediaRefusedException(FrameRateTooHigh,
                    $"The video has {video.Fps.ToString("0.##", CultureInfo.InvariantCulture)} frames per second, more than the maximum of "
                    + $"{MaxFps.ToString("0.##", CultureInfo.InvariantCulture)} on this instance.");
            }
        }
    }

    private static string Format(TimeSpan duration) =>
        duration.TotalHours >= 1
            ? $"{(int)duration.TotalHours}h{duration.Minutes:00}m{duration.Seconds:00}s"
            : $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s";
}
