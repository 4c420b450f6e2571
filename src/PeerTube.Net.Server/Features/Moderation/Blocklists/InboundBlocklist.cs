using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Moderation.Blocklists;

internal sealed class InboundBlocklist(AppDbContext db, Blocklists blocklists) : IInboundBlocklist
{
    public Task<bool> RefusesHostAsync(string host, CancellationToken ct) =>
        db.ServerBlocks.AnyAsync(b => b.ByUserId == null && b.Host == host, ct);

    public Task<bool> RefusesAsync(Actor signer, CancellationToken ct) => blocklists.InstanceBlocksAsync(signer, ct);
}
