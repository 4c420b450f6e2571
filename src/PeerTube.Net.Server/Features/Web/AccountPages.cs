using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts.Registrations;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record RegistrationRow(int Id, string Username, string Email, string Reason, bool? EmailVerified, string State, string? Response);

/// <summary>Sign-up, the pages mailed links open (email check, password reset), and registration requests for moderators.</summary>
public static class AccountPages
{
    public static RouteGroupBuilder MapAccountPages(this RouteGroupBuilder pages)
    {
        pages.MapPage("/signup", (HttpContext http, CustomConfigStore config) => Page.Of<Signup>(new Dictionary<string, object?>
        {
            [nameof(Signup.Frame)] = Page.Frame(http),
            [nameof(Signup.Enabled)] = config.Flag("signup", "enabled"),
            [nameof(Signup.RequiresApproval)] = config.Flag("signup", "requiresApproval"),
            [nameof(Signup.RequiresEmailVerification)] = config.Flag("signup", "requiresEmailVerification"),
            [nameof(Signup.MinimumAge)] = config.Number("signup", "minimumAge"),
        }));
        pages.MapPage("/verify-account/email", (HttpContext http) => Link(http, "verify", "Email check"));
        pages.MapPage("/reset-password", (HttpContext http) => Link(http, "reset", "A new password"));
        pages.MapPage("/login/forgot-password", (HttpContext http) => Link(http, "forgot", "Forgot your password?"));
        pages.MapPage("/admin/registrations", RegistrationsAsync);
        return pages;
    }

    private static IResult Link(HttpContext http, string kind, string title)
    {
        var q = http.Request.Query;
        static string? Digits(string? v) => v is { Length: > 0 and < 12 } && v.All(char.IsAsciiDigit) ? v : null;
        static string? Secret(string? v) => v is { Length: > 0 and <= 200 } && v.All(char.IsAsciiHexDigit) ? v : null;
        return Page.Of<AccountLink>(new Dictionary<string, object?>
        {
            [nameof(AccountLink.Frame)] = Page.Frame(http),
            [nameof(AccountLink.Kind)] = kind,
            [nameof(AccountLink.Title)] = title,
            [nameof(AccountLink.UserId)] = Digits(q["userId"]),
            [nameof(AccountLink.RegistrationId)] = Digits(q["registrationId"]),
            [nameof(AccountLink.Secret)] = Secret(q["verificationString"]),
        });
    }

    private static async Task<IResult> RegistrationsAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        if (http.User.UserId() is null)
        {
            return Page.RedirectToLogin(http);
        }

        if (!http.User.IsModeratorOrAdmin())
        {
            return Page.Forbidden(http);
        }

        var rows = await db.UserRegistrations.AsNoTracking().OrderBy(r => r.State).ThenByDescending(r => r.CreatedAt).Take(500)
            .Select(r => new RegistrationRow(r.Id, r.Username, r.Email, r.RegistrationReason, r.EmailVerified, r.State.ToString(), r.ModerationResponse))
            .ToListAsync(ct);
        return Page.Of<Registrations>(new Dictionary<string, object?>
        {
            [nameof(Registrations.Frame)] = Page.Frame(http),
            [nameof(Registrations.Rows)] = rows,
        });
    }
}
