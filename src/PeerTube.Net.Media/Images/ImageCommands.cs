using System.Globalization;

namespace PeerTube.Net.Media.Images;

/// <summary>ffmpeg arguments for still images taken from a video.</summary>
public static class ImageCommands
{
    /// <summary>PeerTube's thumbnail size (miniatures in lists).</summary>
    public const int ThumbnailWidth = 280;
    public const int ThumbnailHeight = 157;

    /// <summary>PeerTube's preview size (the poster in the player).</summary>
    public const int PreviewWidth = 850;
    public const int PreviewHeight = 480;

    /// <summary>
    /// One JPEG frame at <paramref name="at"/> that covers exactly <paramref name="width"/>×<paramref name="height"/>:
    /// the frame is center-cropped to the target aspect ratio, then scaled to the exact size (cropping last would round
    /// odd sizes such as 157 down to even in 4:2:0). Pick <paramref name="at"/> inside the video (PeerTube uses the middle):
    /// past the end, ffmpeg writes nothing.
    /// </summary>
    public static IReadOnlyList<string> BuildFrameGrab(string inputPath, string outputJpgPath, TimeSpan at, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentException.ThrowIfNullOrEmpty(outputJpgPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(at, TimeSpan.Zero);

        return
        [
            "-hide_banner", "-nostdin", "-y",
            // Before -i: seek on keyframes then decode forward, instead of decoding everything up to "at".
            "-ss", at.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            "-i", inputPath,
            "-map", "0:V:0",
            "-vf", CoverChain(width, height),
            .. FrameOutputArgs(outputJpgPath),
        ];
    }

    /// <summary>
    /// The filter chain for a still taken from a running decode (a branch of the ladder's split): frames before
    /// <see cref="FrameGrabOutput.At"/> are dropped, the first one at or after it is cropped and scaled.
    /// </summary>
    public static string FrameChain(FrameGrabOutput frame) =>
        $"select='gte(t,{frame.At.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)})',{CoverChain(frame.Width, frame.Height)}";

    /// <summary>One JPEG frame, good quality, overwritten in place.</summary>
    public static IReadOnlyList<string> FrameOutputArgs(string outputJpgPath) =>
        ["-an", "-sn", "-frames:v", "1", "-q:v", "2", "-update", "1", outputJpgPath];

    // Quotes protect the commas inside min() from the filter-graph parser.
    private static string CoverChain(int width, int height)
    {
        var w = width.ToString(CultureInfo.InvariantCulture);
        var h = height.ToString(CultureInfo.InvariantCulture);
        return $"crop=w='min(iw,ih*{w}/{h})':h='min(ih,iw*{h}/{w})',scale=w={w}:h={h},setsar=1";
    }
}

/// <summary>A still image to take from the ladder's decode.</summary>
public sealed record FrameGrabOutput(string Path, TimeSpan At, int Width, int Height);
