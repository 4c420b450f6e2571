using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>
/// The built-in BitTorrent seeder: every published rendition's torrent is seeded over TCP (BEP 3, with BEP 6's fast
/// extension), so desktop clients always find a complete peer. Browsers use WebRTC and the HTTP web seed instead.
/// </summary>
public sealed class SeedingOptions : IValidatableObject
{
    public const string Section = "Seeding";

    public const int DefaultPort = 51414;

    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The TCP port peers connect to; it must be reachable from the Internet (open it in the firewall, forward it
    /// through NAT). 0 takes any free port (tests). A busy port does not stop the server: the seeder logs a warning
    /// and tries again every <see cref="BindRetrySeconds"/>.
    /// </summary>
    [Range(0, 65535)]
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The local address to listen on: 0.0.0.0 is every IPv4 interface, :: every interface (dual-stack). Empty: follow
    /// the HTTP binding, so a server that serves HTTP on loopback only (the development default) does not expose the
    /// seeder to the network (see <see cref="ResolveListenAddress"/>).
    /// </summary>
    public string? ListenAddress { get; set; }

    /// <summary>Peer connections at once from one IP (IPv6: one /64); more are closed as soon as they are accepted.</summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerIp { get; set; } = 16;

    /// <summary>
    /// The IP given to our tracker for this seeder. Admins set it to the server's public IP. When empty: the host of
    /// Instance:PublicUrl if it is an IP literal, else 127.0.0.1 (only local clients would find the seeder).
    /// </summary>
    public string? AnnounceAddress { get; set; }

    /// <summary>Peer connections at once, across all torrents; more are closed as soon as they are accepted.</summary>
    [Range(1, 100_000)]
    public int MaxConnections { get; set; } = 200;

    /// <summary>Interested peers unchoked (served) at once, across all torrents; the others wait their turn in rotation.</summary>
    [Range(1, 10_000)]
    public int UploadSlots { get; set; } = 8;

    /// <summary>
    /// Messages a peer may send per second before it is dropped as a flood. An honest client asks for a whole piece
    /// list at once (aria2c sent about 5 000 requests in its first second on loopback, and was dropped by a limit of
    /// 5 000), and queued requests are bounded separately, so this only has to stop spam: 100 000 is 1.6 GB/s of blocks.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxRequestsPerSecond { get; set; } = 100_000;

    /// <summary>A peer silent this long is dropped (clients send a keep-alive every two minutes).</summary>
    [Range(1, 86_400)]
    public int IdleTimeoutSeconds { get; set; } = 180;

    /// <summary>How often the catalog is read for new or removed torrents, and the seeder announced again to the tracker.</summary>
    [Range(1, 3600)]
    public int CatalogRefreshSeconds { get; set; } = 30;

    /// <summary>How long to wait before trying a busy port again.</summary>
    [Range(1, 3600)]
    public int BindRetrySeconds { get; set; } = 30;

    /// <summary>
    /// <see cref="ListenAddress"/> when set; otherwise 127.0.0.1 when every HTTP binding (<c>urls</c>/ASPNETCORE_URLS,
    /// <c>Kestrel:Endpoints:*:Url</c>; none means ASP.NET Core's default http://localhost:5000) is a loopback host, and
    /// 0.0.0.0 when any binding reaches the network (a wildcard, a public address, or ASPNETCORE_HTTP_PORTS).
    /// </summary>
    public IPAddress ResolveListenAddress(IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(ListenAddress))
        {
            return IPAddress.Parse(ListenAddress);
        }

        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>())
            .ToList();
        if (urls.Count == 0)
        {
            var ports = !string.IsNullOrWhiteSpace(configuration["http_ports"]) || !string.IsNullOrWhiteSpace(configuration["https_ports"]);
            return ports ? IPAddress.Any : IPAddress.Loopback;
        }

        return urls.All(IsLoopbackUrl) ? IPAddress.Loopback : IPAddress.Any;
    }

    private static bool IsLoopbackUrl(string url)
    {
        // Kestrel accepts wildcards (http://*:80, http://+:80) that are not valid URIs: those bind everything.
        var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        host = host.Split('/')[0];
        host = host.StartsWith('[') ? host[1..Math.Max(1, host.IndexOf(']'))] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>The address our tracker hands out for this seeder (see <see cref="AnnounceAddress"/>).</summary>
    public IPAddress ResolveAnnounceAddress(InstanceOptions instance)
    {
        if (IPAddress.TryParse(AnnounceAddress, out var configured))
        {
            return configured;
        }

        var host = instance.BaseUri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 ? instance.BaseUri.DnsSafeHost : null;
        return IPAddress.TryParse(host, out var publicIp) && !publicIp.Equals(IPAddress.Any) && !publicIp.Equals(IPAddress.IPv6Any)
            ? publicIp
            : IPAddress.Loopback;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(ListenAddress) && !IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult(
                $"Seeding:ListenAddress must be an IP address such as 0.0.0.0 or ::, or empty to follow the HTTP binding (got '{ListenAddress}').", [nameof(ListenAddress)]);
        }

        if (!string.IsNullOrWhiteSpace(AnnounceAddress)
            && (!IPAddress.TryParse(AnnounceAddress, out var announce) || announce.Equals(IPAddress.Any) || announce.Equals(IPAddress.IPv6Any)
                || announce.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)))
        {
            yield return new ValidationResult(
                $"Seeding:AnnounceAddress must be this server's public IP address, such as 203.0.113.7 (got '{AnnounceAddress}').",
                [nameof(AnnounceAddress)]);
        }
    }
}
