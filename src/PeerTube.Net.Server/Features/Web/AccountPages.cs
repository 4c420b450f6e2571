using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Accounts.Registrations;
using PeerTube.Net.Server.Features.Web.Pages;

namespace PeerTube.Net.Server.Features.Web;

public sealed record RegistrationRow(int Id, string Username, string Email, string Reason, bool? EmailVerified, string State, string? Response);

/// <summary>Sign-up, the pages mailed links open (email check, password reset), and registration requests for moderators.</summary>
public static class AccountPages
{
    public static RouteGroupBuilder MapAccountPages(this RouteGroupBuilder pages)
    {
        pages.MapMethods("/signup", WebEndpoints.PageMethods, (HttpContext http, CustomConfigStore config) => Page.Of<Signup>(new Dictionary<string, object?>
        {
            [nameof(Signup.Frame)] = Page.Frame(http),
            [nameof(Signup.Enabled)] = config.Flag("signup", "enabled"),
            [nameof(Signup.RequiresApproval)] = config.Flag("signup", "requiresApproval"),
            [nameof(Signup.RequiresEmailVerification)] = config.Flag("signup", "requiresEmailVerification"),
            [nameof(Signup.MinimumAge)] = config.Number("signup", "minimumAge"),
        }));
        pages.MapMethods("/verify-account/email", WebEndpoints.PageMethods, (HttpContext http) => Link(http, "verify", "Email check"));
        pages.MapMethods("/reset-password", WebEndpoints.PageMethods, (HttpContext http) => Link(http, "reset", "A new password"));
        pages.MapMethods("/login/forgot-password", WebEndpoints.PageMethods, (HttpContext http) => Link(http, "forgot", "Forgot your password?"));
        pages.MapMethods("/admin/registrations", WebEndpoints.PageMethods, RegistrationsAsync);
        pages.MapMethods("/my-account/settings", WebEndpoints.PageMethods, SettingsAsync);
        pages.MapGet("/my-account/two-factor/qr.svg", TwoFactorQrAsync);
        return pages;
    }

    private static async Task<IResult> SettingsAsync(HttpContext http, AppDbContext db, CancellationToken ct)
    {
        var id = http.User.UserId();
        var user = id is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return Page.RedirectToLogin(http);
        }

        return Page.Of<AccountSettings>(new Dictionary<string, object?>
        {
            [nameof(AccountSettings.Frame)] = Page.Frame(http),
            [nameof(AccountSettings.UserId)] = user.Id,
            [nameof(AccountSettings.Username)] = user.Username,
            [nameof(AccountSettings.Email)] = user.Email,
            [nameof(AccountSettings.TwoFactorEnabled)] = user.OtpSecret is not null,
            [nameof(AccountSettings.Profile)] = await ProfilePages.ProfileAsync(db, user.Id, ct),
        });
    }

    /// <summary>The QR code of the signed-in user's pending two-factor secret (after two-factor/request), as SVG; 404 when there is none.</summary>
    private static async Task<IResult> TwoFactorQrAsync(HttpContext http, AppDbContext db, CustomConfigStore config,
        Microsoft.Extensions.Options.IOptions<InstanceOptions> instance, SecretBox box, TimeProvider clock, CancellationToken ct)
    {
        var id = http.User.UserId();
        var user = id is null ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user?.PendingOtpSecret is not { } secret || user.PendingOtpExpiresAt < clock.GetUtcNow())
        {
            return Results.NotFound();
        }

        using var generator = new QRCoder.QRCodeGenerator();
        using var data = generator.CreateQrCode(Accounts.TwoFactor.OtpAuthUri(box.Open(secret), user.Username, config.InstanceName, instance.Value.Host), QRCoder.QRCodeGenerator.ECCLevel.M);
        var svg = new QRCoder.SvgQRCode(data).GetGraphic(6);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Text(svg, "image/svg+xml");
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
