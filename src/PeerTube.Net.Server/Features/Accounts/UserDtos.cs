namespace PeerTube.Net.Server.Features.Accounts;

public static class UserDtos
{
    public static string RoleLabel(UserRole role) => role switch
    {
        UserRole.Administrator => "Administrator",
        UserRole.Moderator => "Moderator",
        _ => "User",
    };

    /// <summary>
    /// PeerTube's User, as its admin API and /users/me answer. The admin list leaves the channels out (PeerTube does
    /// the same); they must be loaded, with their account, when asked for.
    /// </summary>
    public static Dictionary<string, object?> User(User user, long videoQuotaUsed, InstanceOptions instance, bool withChannels)
    {
        var account = user.Account!;
        var json = new Dictionary<string, object?>
        {
            ["id"] = user.Id,
            ["username"] = user.Username,
            ["email"] = user.Email,
            ["emailVerified"] = user.EmailVerified ?? true,
            ["nsfwPolicy"] = user.NsfwPolicy,
            ["p2pEnabled"] = user.P2PEnabled,
            ["autoPlayVideo"] = user.AutoPlayVideo,
            ["videoLanguages"] = user.VideoLanguages?.Split(',', StringSplitOptions.RemoveEmptyEntries),
            ["adminFlags"] = user.AdminFlags,
            ["role"] = new IdLabel<int>((int)user.Role, RoleLabel(user.Role)),
            ["videoQuota"] = user.VideoQuota,
            ["videoQuotaDaily"] = user.VideoQuotaDaily,
            ["videoQuotaUsed"] = videoQuotaUsed,
            ["videoQuotaUsedDaily"] = videoQuotaUsed,
            ["blocked"] = user.Blocked,
            ["blockedReason"] = user.BlockedReason,
            ["createdAt"] = user.CreatedAt,
            ["lastLoginDate"] = null,
            ["pluginAuth"] = null,
            ["twoFactorEnabled"] = user.OtpSecret is not null,
            ["account"] = AccountDtos.Account(account, instance),
        };
        if (withChannels)
        {
            json["videoChannels"] = account.Channels.OrderBy(c => c.Id).Select(c => AccountDtos.Channel(c, instance)).ToList();
        }

        return json;
    }
}
