using PeerTube.Net.Server.Features.Videos;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

/// <summary>What <see cref="IMutedAccounts"/> says: the instance's blocks and the viewer's own, by account or by host.</summary>
internal sealed class MutedAccounts(AppDbContext db) : IMutedAccounts
{
    public IQueryable<int> For(int? viewerUserId)
    {
        var accountBlocks = db.Set<AccountBlock>();
        var serverBlocks = db.Set<ServerBlock>();
        return db.Set<Account>().Where(a =>
                accountBlocks.Any(b => b.TargetAccountId == a.Id && (b.ByUserId == null || b.ByUserId == viewerUserId))
                || (a.Host != null && serverBlocks.Any(b => b.Host == a.Host && (b.ByUserId == null || b.ByUserId == viewerUserId))))
            .Select(a => a.Id);
    }
}
