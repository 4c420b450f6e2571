using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>Decides which renditions to produce from a probed input, following PeerTube's rules.</summary>
public static class LadderPlanner
{
    /// <exception cref="ArgumentException">The input has neither video nor audio.</exception>
    public static TranscodePlan Plan(MediaInfo input, TranscodingProfile profile)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(profile);

        var audio = input.Audio;
        var hasAudio = audio is not null;
        var copyAudio = audio is not null && CanCopyAudio(audio, profile);
        long? audioBitrate = audio is not null && !copyAudio ? AudioBitrates.Target(audio, profile.AudioBitrate) : null;

        var renditions = new List<Rendition>();
        if (input.Video is { } video)
        {
            renditions.AddRange(PlanVideo(input, video, profile, hasAudio, copyAudio, audioBitrate));
        }

        if (hasAudio && (input.Video is null || profile.AudioOnlyRendition))
        {
            renditions.Add(new Rendition(0, 0, 0, 0, 0, CopyVideo: false, copyAudio, AudioOnly: true, HasAudio: true) { AudioBitrate = audioBitrate });
        }

        if (renditions.Count == 0)
        {
            throw new ArgumentException("The input has neither a video nor an audio stream.", nameof(input));
        }

        return new TranscodePlan(renditions);
    }

    private static IEnumerable<Rendition> PlanVideo(
        MediaInfo input, VideoStreamInfo video, TranscodingProfile profile, bool hasAudio, bool copyAudio, long? audioBitrate)
    {
        var inputResolution = Math.Min(video.Width, video.Height);
        var ratio = VideoBitrates.AspectRatio(video.Width, video.Height);
        var inputFps = FrameRates.NormalizeInput(video.Fps, profile.Fps);
        var inputBitrate = input.BitRate ?? video.BitRate;

        var resolutions = profile.Resolutions.Where(r => r <= inputResolution).ToHashSet();

        // PeerTube's "always transcode original resolution"; rounded down to even so we never upscale.
        var originalResolution = Math.Max(2, inputResolution - (inputResolution % 2));
        if ((profile.AlwaysTranscodeOriginalResolution && originalResolution <= profile.Resolutions.Max()) || resolutions.Count == 0)
        {
            resolutions.Add(originalResolution);
        }

        var top = resolutions.Max();
        foreach (var resolution in resolutions.OrderDescending())
        {
            var (width, height) = Dimensions(video.Width, video.Height, resolution);
            var isOrigin = resolution == top;
            var fps = FrameRates.Compute(inputFps, resolution, isOrigin, profile.Fps);

            var copyVideo = isOrigin
                && width == video.Width
                && height == video.Height
                && CanCopyVideo(inputBitrate, video, inputResolution, ratio, inputFps, profile);

            var bitrate = copyVideo
                ? video.BitRate ?? inputBitrate ?? VideoBitrates.Average(resolution, ratio, fps, profile.VideoBitrate)
                : VideoBitrates.Target(inputBitrate, resolution, ratio, fps, profile.VideoBitrate);

            yield return new Rendition(resolution, width, height, fps, bitrate, copyVideo, copyAudio, AudioOnly: false, hasAudio)
            {
                AudioBitrate = audioBitrate,
            };
        }
    }

    /// <summary>Short side = resolution, long side keeps the aspect ratio, both even (as ffmpeg's <c>scale=-2</c>).</summary>
    internal static (int Width, int Height) Dimensions(int inputWidth, int inputHeight, int resolution)
    {
        var portrait = inputHeight > inputWidth;
        var (shortSide, longSide) = portrait ? (inputWidth, inputHeight) : (inputHeight, inputWidth);
        var scaledLong = (int)Math.Round((double)resolution * longSide / shortSide / 2, MidpointRounding.AwayFromZero) * 2;
        // Rounding to even must not make the long side bigger than the input's.
        scaledLong = Math.Clamp(scaledLong, 2, Math.Max(2, longSide - (longSide % 2)));
        return portrait ? (resolution, scaledLong) : (scaledLong, resolution);
    }

    /// <summary>PeerTube's canDoQuickVideoTranscode.</summary>
    private static bool CanCopyVideo(long? inputBitrate, VideoStreamInfo video, int resolution, double ratio, double fps, TranscodingProfile profile)
    {
        var rules = profile.QuickTranscode;
        // A copied stream would lose its display matrix in our fMP4 output (and the other renditions are turned upright by
        // the decoder): a rotated source is always re-encoded, so every rendition has the same orientation.
        if (!rules.AllowVideoCopy || inputBitrate is not > 0 || video.Rotation != 0)
        {
            return false;
        }

        return rules.VideoCodecs.Contains(video.Codec, StringComparer.OrdinalIgnoreCase)
            && video.PixelFormat is not null
            && rules.PixelFormats.Contains(video.PixelFormat, StringComparer.OrdinalIgnoreCase)
            && fps >= rules.MinFps
            && fps <= profile.Fps.Max
            && inputBitrate <= VideoBitrates.Max(resolution, ratio, fps, profile.VideoBitrate);
    }

    /// <summary>PeerTube's canDoQuickAudioTranscode; channels stand in for its channel-layout check.</summary>
    private static bool CanCopyAudio(AudioStreamInfo audio, TranscodingProfile profile)
    {
        var rules = profile.QuickTranscode;
        return rules.AllowAudioCopy
            && rules.AudioCodecs.Contains(audio.Codec, StringComparer.OrdinalIgnoreCase)
            && audio.BitRate is > 0
            && AudioBitrates.RoundedKbps(audio.BitRate.Value) <= profile.AudioBitrate.MaxKbps
            && audio.Channels >= 1
            && audio.Channels <= rules.MaxAudioChannels;
    }
}
