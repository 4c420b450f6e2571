using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerTube.Net.Media.Profiles;

/// <summary>
/// A transcoding ladder and its encoder arguments, loaded from a JSON file in <c>ffmpeg-profiles/</c>.
/// The schema is documented in <c>ffmpeg-profiles/README.md</c>.
/// </summary>
public sealed record TranscodingProfile
{
    /// <summary>The file name without extension for <see cref="Load"/>; the given name for <see cref="Parse"/>.</summary>
    [JsonIgnore]
    public string Name { get; init; } = "";

    public string Description { get; init; } = "";

    /// <summary>Video resolutions (short side, PeerTube's "p") the ladder may produce; only those at or below the input are used.</summary>
    public required IReadOnlyList<int> Resolutions { get; init; }

    /// <summary>Also produce the input's own resolution when it is not in <see cref="Resolutions"/> (never above the largest one).</summary>
    public bool AlwaysTranscodeOriginalResolution { get; init; } = true;

    /// <summary>Add an audio-only rendition (resolution 0) when the input has audio.</summary>
    public bool AudioOnlyRendition { get; init; } = true;

    /// <summary>Seconds between forced keyframes, identical in every rendition so segments line up.</summary>
    public required double KeyframeIntervalSeconds { get; init; }

    /// <summary>Target HLS segment duration (<c>-hls_time</c>); a multiple of <see cref="KeyframeIntervalSeconds"/>.</summary>
    public required double HlsSegmentDurationSeconds { get; init; }

    public required FpsRules Fps { get; init; }

    public required VideoBitrateRules VideoBitrate { get; init; }

    public required AudioBitrateRules AudioBitrate { get; init; }

    public required VideoEncoderSettings Video { get; init; }

    public required AudioEncoderSettings Audio { get; init; }

    /// <summary>When the input may be stream-copied instead of re-encoded. Absent means never.</summary>
    public QuickTranscodeRules QuickTranscode { get; init; } = QuickTranscodeRules.Disabled;

    /// <summary>Extra arguments added to every output, e.g. <c>-map_metadata -1</c>.</summary>
    public IReadOnlyList<string> OutputArgs { get; init; } = [];

    /// <summary>Reads and validates a profile file; its name is the file name without extension.</summary>
    /// <exception cref="InvalidProfileException">The JSON is malformed or a field is missing or out of range.</exception>
    public static TranscodingProfile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var json = File.ReadAllText(path);
        return Parse(json, Path.GetFileNameWithoutExtension(path), source: path);
    }

    /// <exception cref="InvalidProfileException">The JSON is malformed or a field is missing or out of range.</exception>
    public static TranscodingProfile Parse(string json, string name)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Parse(json, name, source: name);
    }

    /// <summary>Encoders this profile needs that the installed ffmpeg does not have.</summary>
    public IReadOnlyList<string> MissingEncoders(FfmpegCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        return new[] { Video.Encoder, Audio.Encoder }
            .Distinct(StringComparer.Ordinal)
            .Where(encoder => !capabilities.Encoders.Contains(encoder))
            .ToList();
    }

    private static TranscodingProfile Parse(string json, string name, string source)
    {
        TranscodingProfile? profile;
        try
        {
            profile = JsonSerializer.Deserialize<TranscodingProfile>(json, ProfileJson.Options);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "(document)" : ex.Path.TrimStart('$', '.');
            throw new InvalidProfileException(source, field, FirstSentence(ex.Message), ex);
        }

        if (profile is null)
        {
            throw new InvalidProfileException(source, "(document)", "the file must contain a JSON object, not null.");
        }

        ProfileValidator.Validate(profile, source);
        return profile with { Name = name };
    }

    // System.Text.Json appends "Path: … | LineNumber: …" which we already report separately.
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>PeerTube's VIDEO_TRANSCODING_FPS rules.</summary>
/// <param name="Min">Lowest output fps (PeerTube's TRANSCODED_MIN).</param>
/// <param name="Standard">Frame rates small renditions are brought down to (a divisor of the input when possible).</param>
/// <param name="HdStandard">Frame rates used when the input is above <paramref name="Max"/>.</param>
/// <param name="Max">Highest output fps.</param>
/// <param name="KeepOriginFpsResolutionMin">Renditions at or above this resolution keep the input fps (up to <paramref name="Max"/>).</param>
public sealed record FpsRules(double Min, IReadOnlyList<double> Standard, IReadOnlyList<double> HdStandard, double Max, int KeepOriginFpsResolutionMin);

/// <summary>PeerTube's bits-per-pixel tables (bitrate.ts).</summary>
/// <param name="InputMarginPercent">The target never exceeds the input bitrate plus this margin.</param>
/// <param name="Fallback">Bits/s used when no table row applies (resolutions below the smallest row).</param>
public sealed record VideoBitrateRules(IReadOnlyList<BitsPerPixel> BitsPerPixel, double InputMarginPercent, BitrateFallback Fallback);

/// <summary>One row: applies to renditions at or above <paramref name="Resolution"/> until the next row.</summary>
public sealed record BitsPerPixel(int Resolution, double Min, double Average, double Max);

public sealed record BitrateFallback(long Min, long Average, long Max);

/// <summary>PeerTube's getMaxAudioKBitrate rules.</summary>
/// <param name="MaxKbps">Audio bitrate ceiling.</param>
/// <param name="UnknownKbps">Used when ffprobe does not know the input audio bitrate.</param>
/// <param name="UnknownLosslessKbps">Same, for lossless inputs (the uploader wants quality).</param>
public sealed record AudioBitrateRules(int MaxKbps, int UnknownKbps, int UnknownLosslessKbps, IReadOnlyList<string> LosslessCodecs);

/// <param name="Encoder">ffmpeg encoder name, emitted as <c>-c:v</c>.</param>
/// <param name="Args">Encoder arguments; may use the placeholders listed in <see cref="ProfilePlaceholders"/>.</param>
/// <param name="KeyframeArgs">Arguments that put a keyframe every <see cref="TranscodingProfile.KeyframeIntervalSeconds"/>.</param>
public sealed record VideoEncoderSettings(string Encoder, IReadOnlyList<string> Args, IReadOnlyList<string> KeyframeArgs);

/// <param name="Encoder">ffmpeg encoder name, emitted as <c>-c:a</c>.</param>
/// <param name="Args">Encoder arguments, e.g. <c>-ac 2</c>. <c>-b:a</c> is added from the audio bitrate rules.</param>
public sealed record AudioEncoderSettings(string Encoder, IReadOnlyList<string> Args);

/// <summary>PeerTube's canDoQuickVideoTranscode / canDoQuickAudioTranscode conditions.</summary>
public sealed record QuickTranscodeRules(
    bool AllowVideoCopy,
    IReadOnlyList<string> VideoCodecs,
    IReadOnlyList<string> PixelFormats,
    double MinFps,
    bool AllowAudioCopy,
    IReadOnlyList<string> AudioCodecs,
    int MaxAudioChannels)
{
    public static QuickTranscodeRules Disabled { get; } = new(false, [], [], 0, false, [], 0);
}

internal static class ProfileJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}
