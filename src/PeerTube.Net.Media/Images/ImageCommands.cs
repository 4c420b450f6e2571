using System.Globalization;
using FFMpegCore;
using FFMpegCore.Arguments;
using FFMpegCore.Enums;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media.Images;

/// <summary>ffmpeg commands (FFMpegCore <see cref="FFMpegArguments"/>) for still images taken from a video or an image.</summary>
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
    /// past the end, ffmpeg writes nothing. Also converts a creator-supplied image (<paramref name="at"/> zero).
    /// </summary>
    public static FfmpegCommand BuildFrameGrab(string inputPath, string outputJpgPath, TimeSpan at, int width, int height)
    {
        CommandLine.EnsureQuotablePath(inputPath, nameof(inputPath));
        CommandLine.EnsureQuotablePath(outputJpgPath, nameof(outputJpgPath));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(at, TimeSpan.Zero);

        return new FfmpegCommand(() => FFMpegArguments
            .FromFileInput(inputPath, verifyExists: false, input => input
                .WithArgument(new RawArguments("-hide_banner", "-nostdin", "-protocol_whitelist", InputRestrictions.ProtocolWhitelist))
                // Before -i: seek on keyframes then decode forward, instead of decoding everything up to "at".
                .WithStartTime(at))
            .OutputToFile(outputJpgPath, overwrite: true, output =>
            {
                output.WithMap(0, StreamType.VideoNoAttachedPic, 0)
                    .WithVideoFilters(filters => Cover(filters, width, height));
                FrameOutput(output);
            }));
    }

    /// <summary>
    /// A still taken from a running decode (a branch of the ladder's split): frames before <see cref="FrameGrabOutput.At"/>
    /// are dropped, the first one at or after it is cropped and scaled.
    /// </summary>
    internal static void FrameChain(ComplexFilterChain chain, FrameGrabOutput frame) =>
        chain.WithCustomFilter("select", $"'gte(t,{frame.At.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)})'")
            .Video(filters => Cover(filters, frame.Width, frame.Height));

    /// <summary>One JPEG frame, good quality, overwritten in place.</summary>
    internal static void FrameOutput(FFMpegOutputOptions output) =>
        output.DisableAudio()
            .DisableSubtitles()
            .WithFrameCount(1)
            .WithVideoQualityScale(2)
            // The image2 muxer's -update has no typed argument in FFMpegCore 6.0.0.
            .WithArgument(new RawArguments("-update", "1"));

    // Quotes protect the commas inside min() from the filter-graph parser. FFMpegCore's typed Crop takes pixel counts,
    // not expressions, so crop stays a custom filter; scale is typed.
    private static void Cover(VideoFilterOptions filters, int width, int height)
    {
        var w = width.ToString(CultureInfo.InvariantCulture);
        var h = height.ToString(CultureInfo.InvariantCulture);
        filters.WithCustomFilter("crop", $"w='min(iw,ih*{w}/{h})':h='min(ih,iw*{h}/{w})'")
            .Scale(width, height)
            .WithCustomFilter("setsar", "1");
    }
}

/// <summary>A still image to take from the ladder's decode.</summary>
public sealed record FrameGrabOutput(string Path, TimeSpan At, int Width, int Height);
