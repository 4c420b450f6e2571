using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// The live ladder (section <c>Live:Transcoding</c>), as PeerTube's <c>live.transcoding</c>: which resolutions a live is
/// transcoded to, never above the source nor Live:MaxResolution. Disabled, a live is one rendition, the source's
/// streams copied (PeerTube's muxing).
/// </summary>
public sealed class LiveTranscodingOptions : IValidatableObject
{
    public const string Section = "Live:Transcoding";

    public bool Enabled { get; set; } = true;

    /// <summary>The ladder's resolutions (short side); unset: the transcoding profile's (ffmpeg-profiles/).</summary>
    public int[]? Resolutions { get; set; }

    /// <summary>PeerTube's <c>always_transcode_original_resolution</c>: the source's own resolution (capped by Live:MaxResolution) is a rendition too.</summary>
    public bool AlwaysTranscodeOriginalResolution { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var resolution in Resolutions ?? [])
        {
            if (resolution is < 144 or > 2160 || resolution % 2 != 0)
            {
                yield return new ValidationResult(
                    $"Live:Transcoding:Resolutions: {resolution} is not a resolution a live can be transcoded to (an even short side from 144 to 2160).",
                    [nameof(Resolutions)]);
            }
        }

        if (Enabled && Resolutions is { Length: 0 } && !AlwaysTranscodeOriginalResolution)
        {
            yield return new ValidationResult(
                "Live:Transcoding has no resolution to transcode to: list some in Resolutions, or set AlwaysTranscodeOriginalResolution.",
                [nameof(Resolutions)]);
        }
    }
}
