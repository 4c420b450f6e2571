using System.ComponentModel.DataAnnotations;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Server.Features.Transcoding;

public sealed class TranscodingOptions : IValidatableObject
{
    public const string Section = "Transcoding";

    /// <summary>A file name in ffmpeg-profiles/ (or an absolute path to an admin's own profile).</summary>
    [Required]
    public string Profile { get; set; } = "default.json";

    /// <summary>Where profile files are looked up; defaults to the ffmpeg-profiles folder shipped with the server.</summary>
    public string? ProfilesDirectory { get; set; }

    /// <summary>How many videos are transcoded at once on this node.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>Encoder threads per ffmpeg process; 0 lets ffmpeg decide.</summary>
    [Range(0, 128)]
    public int Threads { get; set; }

    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    /// <summary>What a source may be (checked at upload and again before transcoding) and how long ffmpeg may run.</summary>
    public TranscodingLimitsOptions Limits { get; set; } = new();

    public string ResolveProfilePath()
    {
        if (Path.IsPathRooted(Profile))
        {
            return Profile;
        }

        var candidates = ProfilesDirectory is { Length: > 0 }
            ? [ProfilesDirectory]
            : new[] { Path.Combine(AppContext.BaseDirectory, "ffmpeg-profiles"), Path.Combine(Directory.GetCurrentDirectory(), "ffmpeg-profiles") };
        return candidates.Select(dir => Path.Combine(dir, Profile)).FirstOrDefault(File.Exists)
            ?? Path.Combine(candidates[0], Profile);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var path = ResolveProfilePath();
        string? problem = null;
        if (!File.Exists(path))
        {
            problem = $"Transcoding:Profile '{Profile}' was not found (looked for {path}).";
        }
        else
        {
            try
            {
                TranscodingProfile.Load(path);
            }
            catch (InvalidProfileException e)
            {
                problem = $"Transcoding:Profile '{Profile}' is invalid: {e.Message}";
            }
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(Profile)]);
        }

        // ValidateDataAnnotations does not descend into nested objects.
        var limitResults = new List<ValidationResult>();
        Validator.TryValidateObject(Limits, new ValidationContext(Limits), limitResults, validateAllProperties: true);
        foreach (var result in limitResults)
        {
            yield return new ValidationResult($"Transcoding:Limits: {result.ErrorMessage}",
                result.MemberNames.Select(m => $"{nameof(Limits)}.{m}").ToArray());
        }
    }
}

/// <summary>
/// Section <c>Transcoding:Limits</c>: media cannot stall the instance. A source over the intake limits is refused at
/// upload (422 with a code), or failed before transcoding; a run past the watchdog's limits is killed and the video failed.
/// </summary>
public sealed class TranscodingLimitsOptions
{
    /// <summary>Longest source accepted (default 6 h).</summary>
    [Range(1, 7 * 24 * 3600)]
    public int MaxDurationSeconds { get; set; } = 6 * 3600;

    /// <summary>Longer side of the picture, after rotation (default 8K: 7680).</summary>
    [Range(16, 16384)]
    public int MaxLongSidePixels { get; set; } = 7680;

    /// <summary>Shorter side of the picture, after rotation (default 8K: 4320).</summary>
    [Range(16, 16384)]
    public int MaxShortSidePixels { get; set; } = 4320;

    [Range(1, 1000)]
    public double MaxFps { get; set; } = 120;

    /// <summary>ffmpeg is stopped when its output time has not moved for this long (default 10 min).</summary>
    [Range(1, 24 * 3600)]
    public double StallTimeoutSeconds { get; set; } = 600;

    /// <summary>A run may last this many times the source's duration...</summary>
    [Range(0, 1000)]
    public double MaxRunTimeFactor { get; set; } = 10;

    /// <summary>...plus this (default 10 min), so that short sources on a busy machine still finish.</summary>
    [Range(0, 7 * 24 * 3600)]
    public double MaxRunTimeFloorSeconds { get; set; } = 600;

    /// <summary>Total size of one run's output (all renditions); default 64 GiB.</summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long MaxOutputBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    public MediaLimits ToMediaLimits() =>
        new(TimeSpan.FromSeconds(MaxDurationSeconds), MaxLongSidePixels, MaxShortSidePixels, MaxFps);

    public FfmpegRunLimits RunLimits(TimeSpan sourceDuration, string outputDirectory) =>
        new(TimeSpan.FromSeconds(StallTimeoutSeconds),
            TimeSpan.FromSeconds(MaxRunTimeFloorSeconds + (MaxRunTimeFactor * Math.Max(0, sourceDuration.TotalSeconds))),
            MaxOutputBytes,
            outputDirectory);
}
