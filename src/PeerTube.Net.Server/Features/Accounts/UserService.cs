using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Accounts;

public sealed partial class UserService(AppDbContext db, IPasswordHasher<User> hasher, TimeProvider clock)
{
    [GeneratedRegex("^[a-z0-9._]{1,50}$")]
    public static partial Regex UsernamePattern();

    /// <summary>Creates the user, its account and its default channel ("&lt;username&gt;_channel", as PeerTube does).</summary>
    /// <param name="passwordHash">A hash made earlier (an accepted registration request), used instead of <paramref name="password"/>.</param>
    /// <param name="emailVerified">Null for users made by an administrator; false for a sign-up waiting for its email check.</param>
    public async Task<User> CreateAsync(string username, string email, string password, UserRole role, long videoQuota, long videoQuotaDaily,
        string? channelName, CancellationToken ct, string? passwordHash = null, bool? emailVerified = null, string? displayName = null,
        string? channelDisplayName = null)
    {
        var errors = new Dictionary<string, string>();
        if (!UsernamePattern().IsMatch(username))
        {
            errors["username"] = "Should have a valid username: 1 to 50 characters among a-z, 0-9, '.' and '_'.";
        }

        if (passwordHash is null && password.Length is < 6 or > 255)
        {
            errors["password"] = "Should have a valid password: 6 to 255 characters.";
        }

        if (!email.Contains('@') || email.Length > 400)
        {
            errors["email"] = "Should have a valid email.";
        }

        if (videoQuota < -1 || videoQuotaDaily < -1)
        {
            errors["videoQuota"] = "Should have a valid video quota (-1 for unlimited).";
        }

        channelName ??= $"{username}_channel";
        if (!UsernamePattern().IsMatch(channelName) || channelName == username)
        {
            errors["channelName"] = "Should have a valid channel name, different from the username.";
        }

        if (errors.Count > 0)
        {
            throw new ApiProblemException(ApiProblem.InvalidParams(errors));
        }

        var lowerEmail = email.ToLowerInvariant();
        if (await db.Users.AnyAsync(u => u.Username == username || u.Email == lowerEmail, ct)
            || await db.Accounts.AnyAsync(a => a.Name == username, ct))
        {
            throw new ApiProblemException(new ApiProblem(409, "User with this username or email already exists."));
        }

        if (await db.VideoChannels.AnyAsync(c => c.Name == channelName, ct) || await db.Accounts.AnyAsync(a => a.Name == channelName, ct))
        {
            throw new ApiProblemException(new ApiProblem(409, "Another actor (account/channel) with this name on this instance already exists or has already existed."));
        }

        var now = clock.GetUtcNow();
        var user = new User
        {
            Username = username,
            Email = lowerEmail,
            PasswordHash = "",
            Role = role,
            VideoQuota = videoQuota,
            VideoQuotaDaily = videoQuotaDaily,
            EmailVerified = emailVerified,
            CreatedAt = now,
        };
        user.PasswordHash = passwordHash ?? hasher.HashPassword(user, password);
        user.Account = new Account
        {
            Name = username,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? username : displayName.Trim(),
            CreatedAt = now,
            Channels =
            [
                new VideoChannel
                {
                    Name = channelName, DisplayName = string.IsNullOrWhiteSpace(channelDisplayName) ? $"Main {username} channel" : channelDisplayName.Trim(),
                    CreatedAt = now, UpdatedAt = now,
                },
            ],
        };
        db.Users.Add(user);
        await db.SaveChangesAsync(ct);
        return user;
    }

    public string HashPassword(string password) => hasher.HashPassword(new User { Username = "", Email = "", PasswordHash = "" }, password);

    public void SetPassword(User user, string password) => user.PasswordHash = hasher.HashPassword(user, password);

    /// <summary>Finds a user by username or email, PeerTube-style, and checks the password.</summary>
    public async Task<User?> FindByCredentialsAsync(string usernameOrEmail, string password, CancellationToken ct)
    {
        var key = usernameOrEmail.Trim().ToLowerInvariant();
        var user = await db.Users.FirstOrDefaultAsync(u => u.Username == key || u.Email == key, ct);
        if (user is null)
        {
            // Hash anyway so that timing does not tell which usernames exist.
            hasher.HashPassword(new User { Username = "", Email = "", PasswordHash = "" }, password);
            return null;
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await db.SaveChangesAsync(ct);
        }

        return user;
    }

    /// <summary>Bytes used against the quota: the size of every video the user uploaded.</summary>
    public Task<long> QuotaUsedAsync(int userId, CancellationToken ct) =>
        db.Videos.Where(v => v.Channel!.Account!.UserId == userId).SumAsync(v => v.SourceSize, ct);
}
