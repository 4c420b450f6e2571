using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Accounts;

public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    [Required]
    public WindowLimit Login { get; set; } = new();

    /// <summary>Sign-ups and registration requests per IP (PeerTube: 2 per 5 minutes).</summary>
    [Required]
    public WindowLimit Signup { get; set; } = new() { PermitLimit = 2, WindowSeconds = 300 };

    /// <summary>Requests that send a mail (verification, password reset) per IP (PeerTube: 3 per 5 minutes).</summary>
    [Required]
    public WindowLimit AskEmail { get; set; } = new() { PermitLimit = 3, WindowSeconds = 300 };

    /// <summary>Guesses at a verification or reset secret per IP.</summary>
    [Required]
    public WindowLimit Verify { get; set; } = new() { PermitLimit = 10, WindowSeconds = 300 };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, limit) in new[] { ("Login", Login), ("Signup", Signup), ("AskEmail", AskEmail), ("Verify", Verify) })
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true);
            foreach (var r in results)
            {
                yield return new ValidationResult($"RateLimits:{name}: {r.ErrorMessage}", r.MemberNames.Select(m => $"{name}.{m}"));
            }
        }
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
