using System.ComponentModel.DataAnnotations;
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
    }
}
