using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;

namespace PeerTube.Net.Server.Features.Accounts;

public sealed record TwoFactorRequestBody(string? CurrentPassword);

public sealed record TwoFactorConfirmBody(string? RequestToken, string? OtpToken);

public sealed record OtpRequestDto(string RequestToken, string Secret, string Uri);

public sealed record TwoFactorRequestDto(OtpRequestDto OtpRequest);

/// <summary>
/// PeerTube's two-factor authentication (TOTP, RFC 6238, as authenticator apps do it): <c>request</c> offers a secret
/// (and its otpauth URI) for the user's own account after their password, <c>confirm-request</c> turns it on with a
/// code from the app, <c>disable</c> turns it off (the user with their password, or an administrator). With it on,
/// the password grant needs the <c>x-peertube-otp</c> header; a code signs in once.
/// </summary>
public static class TwoFactor
{
    public const string Header = "x-peertube-otp";
    private static readonly TimeSpan RequestLifetime = TimeSpan.FromMinutes(10);

    public static void MapTwoFactorApi(this RouteGroupBuilder user)
    {
        user.MapPost("/users/{id:int}/two-factor/request", RequestAsync);
        user.MapPost("/users/{id:int}/two-factor/confirm-request", ConfirmAsync);
        user.MapPost("/users/{id:int}/two-factor/disable", DisableAsync);
    }

    private static async Task<Results<Ok<TwoFactorRequestDto>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> RequestAsync(int id, TwoFactorRequestBody body,
        ClaimsPrincipal principal, AppDbContext db, IPasswordHasher<User> hasher, CustomConfigStore config, IOptions<InstanceOptions> instance, SecretBox box,
        TimeProvider clock, CancellationToken ct)
    {
        if (principal.UserId() != id)
        {
            return ApiProblem.Forbidden("Only the user themselves can turn on two-factor authentication.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        if (!PasswordMatches(hasher, user, body.CurrentPassword))
        {
            return ApiProblem.Forbidden("Invalid password.");
        }

        if (user.OtpSecret is not null)
        {
            return ApiProblem.BadRequest("Two factor is already enabled.");
        }

        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
        var requestToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        // Sealed at rest (keys/secrets.key), as PeerTube encrypts it.
        user.PendingOtpSecret = box.Seal(secret);
        user.PendingOtpRequestHash = Hash(requestToken);
        user.PendingOtpExpiresAt = clock.GetUtcNow() + RequestLifetime;
        await db.SaveChangesAsync(ct);

        return TypedResults.Ok(new TwoFactorRequestDto(new OtpRequestDto(requestToken, secret, OtpAuthUri(secret, user.Username, config.InstanceName, instance.Value.Host))));
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> ConfirmAsync(int id, TwoFactorConfirmBody body,
        ClaimsPrincipal principal, AppDbContext db, SecretBox box, TimeProvider clock, CancellationToken ct)
    {
        if (principal.UserId() != id)
        {
            return ApiProblem.Forbidden("Only the user themselves can turn on two-factor authentication.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        if (user.OtpSecret is not null)
        {
            return ApiProblem.BadRequest("Two factor is already enabled.");
        }

        if (user.PendingOtpSecret is null || user.PendingOtpExpiresAt < clock.GetUtcNow() || string.IsNullOrEmpty(body.RequestToken)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(body.RequestToken)), Encoding.ASCII.GetBytes(user.PendingOtpRequestHash ?? "")))
        {
            return ApiProblem.Forbidden("Invalid request token.");
        }

        if (Verify(box.Open(user.PendingOtpSecret), body.OtpToken, clock, lastStep: null) is not { } step)
        {
            return ApiProblem.Forbidden("Invalid OTP token.");
        }

        user.OtpSecret = user.PendingOtpSecret;
        user.OtpLastStep = step;
        user.PendingOtpSecret = user.PendingOtpRequestHash = null;
        user.PendingOtpExpiresAt = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> DisableAsync(int id, TwoFactorRequestBody body,
        ClaimsPrincipal principal, AppDbContext db, IPasswordHasher<User> hasher, CancellationToken ct)
    {
        var self = principal.UserId() == id;
        if (!self && !principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only the user themselves or an administrator can turn off two-factor authentication.");
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null)
        {
            return ApiProblem.NotFound("User not found.");
        }

        if (self && !PasswordMatches(hasher, user, body.CurrentPassword))
        {
            return ApiProblem.Forbidden("Invalid password.");
        }

        if (user.OtpSecret is null)
        {
            return ApiProblem.BadRequest("Two factor is not enabled.");
        }

        user.OtpSecret = null;
        user.OtpLastStep = null;
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>What authenticator apps read (from the QR code): the secret, the instance as issuer, the account as label.</summary>
    public static string OtpAuthUri(string secret, string username, string issuer, string host) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString($"{username}@{host}")}"
        + $"?secret={secret}&issuer={Uri.EscapeDataString(issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The time step of a valid code (one step of drift either way), or null; a step at or before <paramref name="lastStep"/> is refused (replay).</summary>
    public static long? Verify(string secret, string? code, TimeProvider clock, long? lastStep)
    {
        if (code is not { Length: 6 } || !code.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(Base32Encoding.ToBytes(secret));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)))
        {
            return null;
        }

        return lastStep is { } last && step <= last ? null : step;
    }

    private static bool PasswordMatches(IPasswordHasher<User> hasher, User user, string? password) =>
        !string.IsNullOrEmpty(password) && hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
