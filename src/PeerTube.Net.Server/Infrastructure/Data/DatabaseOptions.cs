using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Infrastructure.Data;

public sealed class DatabaseOptions : IValidatableObject
{
    public const string Section = "Database";

    /// <summary>"sqlite" (the embedded default) or "postgres".</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Bound from ConnectionStrings:Default.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsPostgres && !string.Equals(Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult(
                $"Database:Provider must be 'sqlite' or 'postgres' (got '{Provider}').", [nameof(Provider)]);
        }
    }
}
