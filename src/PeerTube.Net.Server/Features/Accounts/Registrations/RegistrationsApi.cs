using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using PeerTube.Net.Server.Infrastructure.Email;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Accounts.Registrations;

public sealed record RegisterChannel(string? Name, string? DisplayName);

public sealed record RegisterRequest(string? Username, string? Password, string? Email, string? DisplayName, RegisterChannel? Channel, string? RegistrationReason);

public sealed record ModerationRequest(string? ModerationResponse, bool? PreventEmailDelivery);

public sealed record EmailRequest(string? Email);

public sealed record VerifyEmailRequest(string? VerificationString);

public sealed record ResetPasswordRequest(string? VerificationString, string? Password);

public sealed record RegistrationStateDto(int Id, string Label);

public sealed record RegistrationUserDto(int Id);

public sealed record RegistrationDto(int Id, RegistrationStateDto State, string RegistrationReason, string? ModerationResponse, string Username, string Email,
    bool? EmailVerified, string? AccountDisplayName, string? ChannelHandle, string? ChannelDisplayName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    RegistrationUserDto? User);

/// <summary>
/// Sign-up on PeerTube's contract: direct registration (<c>POST /users/register</c>) or a request a moderator accepts
/// (<c>/users/registrations/…</c>), as <c>signup</c> in the custom configuration says; the email check and the password
/// reset by a link sent by mail (<c>ask-send-verify-email</c>, <c>verify-email</c>, <c>ask-reset-password</c>,
/// <c>reset-password</c>). Links carry a one-time secret of which only the hash is kept. The "ask" routes answer 204
/// whether or not the address is known, so they tell nobody who has an account.
/// </summary>
public static class RegistrationsApi
{
    public const string SignupRateLimit = "signup";
    public const string AskEmailRateLimit = "ask-email";
    public const string VerifyRateLimit = "verify";

    private static readonly TimeSpan VerifyLifetime = TimeSpan.FromDays(2);
    private static readonly TimeSpan ResetLifetime = TimeSpan.FromHours(1);
    private static readonly HashSet<string> SortColumns = ["createdAt", "state", "username", "email"];

    public static IEndpointRouteBuilder MapRegistrationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").WithTags("Registrations").DisableAntiforgery();
        var signup = api.MapGroup("").RequireRateLimiting(SignupRateLimit);
        signup.MapPost("/register", RegisterAsync);
        signup.MapPost("/registrations/request", RequestAsync);

        var ask = api.MapGroup("").RequireRateLimiting(AskEmailRateLimit);
        ask.MapPost("/ask-send-verify-email", AskVerifyUserAsync);
        ask.MapPost("/registrations/ask-send-verify-email", AskVerifyRegistrationAsync);
        ask.MapPost("/ask-reset-password", AskResetAsync);

        var verify = api.MapGroup("").RequireRateLimiting(VerifyRateLimit);
        verify.MapPost("/{id:int}/verify-email", VerifyUserAsync);
        verify.MapPost("/registrations/{id:int}/verify-email", VerifyRegistrationAsync);
        verify.MapPost("/{id:int}/reset-password", ResetPasswordAsync);

        var moderators = api.MapGroup("/registrations").RequireModerator("handle registrations");
        moderators.MapGet("", ListAsync);
        moderators.MapPost("/{id:int}/accept", (int id, ModerationRequest body, AppDbContext db, UserService users, CustomConfigStore config,
            TransactionalJobs jobs, CancellationToken ct) => AcceptAsync(id, body, db, users, config, jobs, ct));
        moderators.MapPost("/{id:int}/reject", (int id, ModerationRequest body, AppDbContext db, CustomConfigStore config, TransactionalJobs jobs,
            TimeProvider clock, CancellationToken ct) => RejectAsync(id, body, db, config, jobs, clock, ct));
        moderators.MapDelete("/{id:int}", async Task<Results<NoContent, NotFoundProblem>> (int id, AppDbContext db, CancellationToken ct) =>
            await db.UserRegistrations.Where(r => r.Id == id).ExecuteDeleteAsync(ct) > 0 ? TypedResults.NoContent() : ApiProblem.NotFound("Registration not found."));
        return app;
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, ConflictProblem>> RegisterAsync(RegisterRequest body, AppDbContext db,
        UserService users, CustomConfigStore config, TransactionalJobs jobs, IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        if (!config.Flag("signup", "enabled"))
        {
            return ApiProblem.Forbidden("User registration is not enabled.");
        }

        if (config.Flag("signup", "requiresApproval"))
        {
            return ApiProblem.Forbidden("User registration requires the approval of a moderator: use /api/v1/users/registrations/request.");
        }

        if (await LimitReachedAsync(db, config, ct))
        {
            return ApiProblem.Forbidden("User limit is reached on this instance.");
        }

        var verify = config.Flag("signup", "requiresEmailVerification");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = await users.CreateAsync(body.Username?.Trim() ?? "", body.Email?.Trim() ?? "", body.Password ?? "", UserRole.User,
            config.Number("user", "videoQuota"), config.Number("user", "videoQuotaDaily"), body.Channel?.Name, ct,
            emailVerified: verify ? false : null, displayName: Bounded(body.DisplayName, 120), channelDisplayName: Bounded(body.Channel?.DisplayName, 120));
        if (verify)
        {
            var token = Issue(db, "verify-email", user.Id, VerifyLifetime, clock);
            jobs.Mail(user.Email, $"{config.InstanceName}: verify your email",
                $"Welcome to {config.InstanceName}! Open this link to verify your email and sign in:\n\n"
                + instance.Value.Absolute($"/verify-account/email?userId={user.Id}&verificationString={token}"));
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RegistrationDto>, BadRequestProblem, ForbiddenProblem, ConflictProblem>> RequestAsync(RegisterRequest body, AppDbContext db,
        UserService users, CustomConfigStore config, TransactionalJobs jobs, IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        if (!config.Flag("signup", "enabled") || !config.Flag("signup", "requiresApproval"))
        {
            return ApiProblem.Forbidden("Registration requests are not enabled on this instance.");
        }

        if (await LimitReachedAsync(db, config, ct))
        {
            return ApiProblem.Forbidden("User limit is reached on this instance.");
        }

        var username = body.Username?.Trim() ?? "";
        var email = body.Email?.Trim().ToLowerInvariant() ?? "";
        var channel = body.Channel?.Name?.Trim() ?? $"{username}_channel";
        var errors = new Dictionary<string, string>();
        if (!UserService.UsernamePattern().IsMatch(username))
        {
            errors["username"] = "Should have a valid username: 1 to 50 characters among a-z, 0-9, '.' and '_'.";
        }

        if ((body.Password ?? "").Length is < 6 or > 255)
        {
            errors["password"] = "Should have a valid password: 6 to 255 characters.";
        }

        if (!email.Contains('@') || email.Length > 400)
        {
            errors["email"] = "Should have a valid email.";
        }

        if (!UserService.UsernamePattern().IsMatch(channel) || channel == username)
        {
            errors["channel.name"] = "Should have a valid channel name, different from the username.";
        }

        if ((body.RegistrationReason?.Trim() ?? "").Length is < 2 or > 3000)
        {
            errors["registrationReason"] = "Should have a valid registration reason (2 to 3000 characters).";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        if (await db.Users.AnyAsync(u => u.Username == username || u.Email == email, ct) || await db.Accounts.AnyAsync(a => a.Name == username || a.Name == channel, ct)
            || await db.VideoChannels.AnyAsync(c => c.Name == channel || c.Name == username, ct)
            || await db.UserRegistrations.AnyAsync(r => r.Username == username || r.Email == email || r.ChannelHandle == channel, ct))
        {
            return ApiProblem.Conflict("User with this username, channel name or email already exists or has already requested an account.");
        }

        var now = clock.GetUtcNow();
        var verify = config.Flag("signup", "requiresEmailVerification");
        var registration = new UserRegistration
        {
            Username = username, Email = email, PasswordHash = users.HashPassword(body.Password!), RegistrationReason = body.RegistrationReason!.Trim(),
            AccountDisplayName = Bounded(body.DisplayName, 120), ChannelHandle = channel, ChannelDisplayName = Bounded(body.Channel?.DisplayName, 120),
            EmailVerified = verify ? false : null, CreatedAt = now, UpdatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.UserRegistrations.Add(registration);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return ApiProblem.Conflict("User with this username or email has already requested an account.");
        }

        if (verify)
        {
            var token = Issue(db, "verify-registration-email", registration.Id, VerifyLifetime, clock);
            jobs.Mail(email, $"{config.InstanceName}: verify your email",
                $"Thank you for your request to join {config.InstanceName}. Open this link to verify your email; a moderator will then look at your request:\n\n"
                + instance.Value.Absolute($"/verify-account/email?registrationId={registration.Id}&verificationString={token}"));
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return TypedResults.Ok(Dto(registration));
    }

    private static async Task<Ok<ListPage<RegistrationDto>>> ListAsync(HttpRequest request, AppDbContext db, CancellationToken ct)
    {
        var list = ListQuery.Read(request, SortColumns, "-createdAt");
        var query = db.UserRegistrations.AsNoTracking();
        if (request.Query["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var pattern = $"%{search.ToLowerInvariant()}%";
            query = query.Where(r => EF.Functions.Like(r.Username, pattern) || EF.Functions.Like(r.Email, pattern));
        }

        var total = await query.CountAsync(ct);
        var ordered = list.Column switch
        {
            "state" => list.Descending ? query.OrderByDescending(r => r.State) : query.OrderBy(r => r.State),
            "username" => list.Descending ? query.OrderByDescending(r => r.Username) : query.OrderBy(r => r.Username),
            "email" => list.Descending ? query.OrderByDescending(r => r.Email) : query.OrderBy(r => r.Email),
            _ => list.Descending ? query.OrderByDescending(r => r.CreatedAt) : query.OrderBy(r => r.CreatedAt),
        };
        var rows = await ordered.ThenBy(r => r.Id).Skip(list.Start).Take(list.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<RegistrationDto>(total, rows.Select(Dto).ToList()));
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem, ConflictProblem>> AcceptAsync(int id, ModerationRequest body, AppDbContext db,
        UserService users, CustomConfigStore config, TransactionalJobs jobs, CancellationToken ct)
    {
        var registration = await db.UserRegistrations.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (registration is null)
        {
            return ApiProblem.NotFound("Registration not found.");
        }

        if (registration.State != RegistrationState.Pending)
        {
            return ApiProblem.Conflict("This registration is already accepted or rejected.");
        }

        if (string.IsNullOrWhiteSpace(body.ModerationResponse) || body.ModerationResponse.Length > 3000)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["moderationResponse"] = "Should have a moderation response (1 to 3000 characters)." });
        }

        if (config.Flag("signup", "requiresEmailVerification") && registration.EmailVerified != true)
        {
            return ApiProblem.BadRequest("The registration's email is not verified yet.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = await users.CreateAsync(registration.Username, registration.Email, "", UserRole.User, config.Number("user", "videoQuota"),
            config.Number("user", "videoQuotaDaily"), registration.ChannelHandle, ct, passwordHash: registration.PasswordHash,
            emailVerified: registration.EmailVerified, displayName: registration.AccountDisplayName, channelDisplayName: registration.ChannelDisplayName);
        registration.State = RegistrationState.Accepted;
        registration.ModerationResponse = body.ModerationResponse.Trim();
        registration.UserId = user.Id;
        registration.UpdatedAt = user.CreatedAt;
        if (body.PreventEmailDelivery != true)
        {
            jobs.Mail(registration.Email, $"{config.InstanceName}: your registration was accepted",
                $"Your request to join {config.InstanceName} was accepted. You can sign in as {registration.Username}.\n\n{registration.ModerationResponse}");
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem, ConflictProblem>> RejectAsync(int id, ModerationRequest body, AppDbContext db,
        CustomConfigStore config, TransactionalJobs jobs, TimeProvider clock, CancellationToken ct)
    {
        var registration = await db.UserRegistrations.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (registration is null)
        {
            return ApiProblem.NotFound("Registration not found.");
        }

        if (registration.State != RegistrationState.Pending)
        {
            return ApiProblem.Conflict("This registration is already accepted or rejected.");
        }

        if (string.IsNullOrWhiteSpace(body.ModerationResponse) || body.ModerationResponse.Length > 3000)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["moderationResponse"] = "Should have a moderation response (1 to 3000 characters)." });
        }

        registration.State = RegistrationState.Rejected;
        registration.ModerationResponse = body.ModerationResponse.Trim();
        registration.UpdatedAt = clock.GetUtcNow();
        if (body.PreventEmailDelivery != true)
        {
            jobs.Mail(registration.Email, $"{config.InstanceName}: your registration was rejected",
                $"Your request to join {config.InstanceName} was rejected.\n\n{registration.ModerationResponse}");
        }

        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> AskVerifyUserAsync(EmailRequest body, AppDbContext db, CustomConfigStore config, TransactionalJobs jobs,
        IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        var email = body.Email?.Trim().ToLowerInvariant() ?? "";
        var user = email.Length == 0 ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is { EmailVerified: false })
        {
            var token = Issue(db, "verify-email", user.Id, VerifyLifetime, clock);
            jobs.Mail(user.Email, $"{config.InstanceName}: verify your email",
                "Open this link to verify your email:\n\n" + instance.Value.Absolute($"/verify-account/email?userId={user.Id}&verificationString={token}"));
            await db.SaveChangesAsync(ct);
        }

        return TypedResults.NoContent();
    }

    private static async Task<NoContent> AskVerifyRegistrationAsync(EmailRequest body, AppDbContext db, CustomConfigStore config, TransactionalJobs jobs,
        IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        var email = body.Email?.Trim().ToLowerInvariant() ?? "";
        var registration = email.Length == 0 ? null : await db.UserRegistrations.AsNoTracking().FirstOrDefaultAsync(r => r.Email == email, ct);
        if (registration is { EmailVerified: false, State: RegistrationState.Pending })
        {
            var token = Issue(db, "verify-registration-email", registration.Id, VerifyLifetime, clock);
            jobs.Mail(registration.Email, $"{config.InstanceName}: verify your email",
                "Open this link to verify your email:\n\n" + instance.Value.Absolute($"/verify-account/email?registrationId={registration.Id}&verificationString={token}"));
            await db.SaveChangesAsync(ct);
        }

        return TypedResults.NoContent();
    }

    private static async Task<NoContent> AskResetAsync(EmailRequest body, AppDbContext db, CustomConfigStore config, TransactionalJobs jobs,
        IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        var email = body.Email?.Trim().ToLowerInvariant() ?? "";
        var user = email.Length == 0 ? null : await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email && !u.Blocked, ct);
        if (user is not null)
        {
            var token = Issue(db, "reset-password", user.Id, ResetLifetime, clock);
            jobs.Mail(user.Email, $"{config.InstanceName}: reset your password",
                $"Someone asked to reset the password of {user.Username} on {config.InstanceName}. If it was you, open this link within an hour:\n\n"
                + instance.Value.Absolute($"/reset-password?userId={user.Id}&verificationString={token}")
                + "\n\nIf it was not you, ignore this mail: nothing changes.");
            await db.SaveChangesAsync(ct);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem>> VerifyUserAsync(int id, VerifyEmailRequest body, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (!await ConsumeAsync(db, "verify-email", id, body.VerificationString, clock, ct))
        {
            return ApiProblem.Forbidden("Invalid verification string.");
        }

        await db.Users.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.EmailVerified, true), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ForbiddenProblem>> VerifyRegistrationAsync(int id, VerifyEmailRequest body, AppDbContext db, TimeProvider clock,
        CancellationToken ct)
    {
        if (!await ConsumeAsync(db, "verify-registration-email", id, body.VerificationString, clock, ct))
        {
            return ApiProblem.Forbidden("Invalid verification string.");
        }

        await db.UserRegistrations.Where(r => r.Id == id).ExecuteUpdateAsync(r => r.SetProperty(x => x.EmailVerified, true), ct);
        return TypedResults.NoContent();
    }

    /// <summary>Sets the new password and signs the user out everywhere (their tokens are revoked).</summary>
    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem>> ResetPasswordAsync(int id, ResetPasswordRequest body, AppDbContext db,
        UserService users, IOpenIddictTokenManager tokens, TimeProvider clock, CancellationToken ct)
    {
        if ((body.Password ?? "").Length is < 6 or > 255)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["password"] = "Should have a valid password: 6 to 255 characters." });
        }

        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == id, ct);
        if (user is null || !await ConsumeAsync(db, "reset-password", id, body.VerificationString, clock, ct))
        {
            return ApiProblem.Forbidden("Invalid verification string.");
        }

        users.SetPassword(user, body.Password!);
        user.EmailVerified = user.EmailVerified is null ? null : true; // The link reached them: the address works.
        await db.SaveChangesAsync(ct);
        await tokens.RevokeBySubjectAsync(user.Id.ToString(CultureInfo.InvariantCulture), ct);
        return TypedResults.NoContent();
    }

    private static async Task<bool> LimitReachedAsync(AppDbContext db, CustomConfigStore config, CancellationToken ct)
    {
        var limit = config.Number("signup", "limit");
        return limit >= 0 && await db.Users.CountAsync(ct) >= limit;
    }

    /// <summary>A new secret for <paramref name="purpose"/>: returned once (for the mail), stored as its hash; earlier ones stop working.</summary>
    private static string Issue(AppDbContext db, string purpose, int subjectId, TimeSpan lifetime, TimeProvider clock)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        db.EmailTokens.RemoveRange(db.EmailTokens.Where(t => t.Purpose == purpose && t.SubjectId == subjectId));
        db.EmailTokens.Add(new EmailToken { Purpose = purpose, SubjectId = subjectId, Hash = Hash(token), ExpiresAt = clock.GetUtcNow() + lifetime });
        return token;
    }

    /// <summary>True once for a right, unexpired secret; the secret is gone afterwards.</summary>
    private static async Task<bool> ConsumeAsync(AppDbContext db, string purpose, int subjectId, string? token, TimeProvider clock, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            return false;
        }

        var hash = Hash(token);
        var now = clock.GetUtcNow();
        return await db.EmailTokens.Where(t => t.Purpose == purpose && t.SubjectId == subjectId && t.Hash == hash && t.ExpiresAt > now).ExecuteDeleteAsync(ct) == 1;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string? Bounded(string? text, int max) => string.IsNullOrWhiteSpace(text) ? null : text.Trim() is var t && t.Length > max ? t[..max] : text.Trim();

    private static string Label(RegistrationState state) => state switch
    {
        RegistrationState.Pending => "Pending",
        RegistrationState.Rejected => "Rejected",
        _ => "Accepted",
    };

    private static RegistrationDto Dto(UserRegistration r) =>
        new(r.Id, new RegistrationStateDto((int)r.State, Label(r.State)), r.RegistrationReason, r.ModerationResponse, r.Username, r.Email, r.EmailVerified,
            r.AccountDisplayName, r.ChannelHandle, r.ChannelDisplayName, r.CreatedAt, r.UpdatedAt, r.UserId is { } u ? new RegistrationUserDto(u) : null);
}
