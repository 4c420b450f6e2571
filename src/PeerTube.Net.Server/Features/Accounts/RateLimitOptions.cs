using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Accounts;

public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    [Required]
    public WindowLimit Login { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Login, new ValidationContext(Login), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult($"RateLimits:Login: {r.ErrorMessage}", r.MemberNames.Select(m => $"Login.{m}")));
    }

    public sealed class WindowLimit
    {
        /// <summary>Requests allowed per client IP within the window (PeerTube: 15 logins per 5 minutes).</summary>
        [Range(1, 1_000_000)]
        public int PermitLimit { get; set; } = 15;

        [Range(1, 86_400)]
        public int WindowSeconds { get; set; } = 300;
    }
}
