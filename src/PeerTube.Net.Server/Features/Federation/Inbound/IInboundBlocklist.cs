namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Hosts and actors the instance does not hear from (the server blocklist, kept by the moderation feature). The inbox
/// asks it before it fetches a key from a host, and again once it knows the signer.
/// </summary>
public interface IInboundBlocklist
{
    Task<bool> RefusesHostAsync(string host, CancellationToken ct);

    Task<bool> RefusesAsync(Actor signer, CancellationToken ct);
}
