using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Infrastructure.Storage;

public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    /// <summary>Where all media, temporary files and the SQLite database live. Relative paths are taken from the working directory.</summary>
    [Required]
    public string Root { get; set; } = "data";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        string? problem = null;
        try
        {
            Directory.CreateDirectory(Path.GetFullPath(Root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problem = e.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult($"Storage:Root '{Root}' cannot be created: {problem}", [nameof(Root)]);
        }
    }
}
