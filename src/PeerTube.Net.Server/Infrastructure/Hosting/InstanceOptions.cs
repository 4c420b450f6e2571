using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Infrastructure.Hosting;

public sealed class InstanceOptions : IValidatableObject
{
    public const string Section = "Instance";

    /// <summary>Base URL of every absolute link we hand out: playlists, torrents, ActivityPub ids.</summary>
    [Required]
    public string PublicUrl { get; set; } = "http://127.0.0.1:9000";

    [Required, StringLength(120, MinimumLength = 1)]
    public string Name { get; set; } = "PeerTube.Net";

    /// <summary>Identifies this process among the nodes sharing one database, for job leases.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>
    /// Reverse proxies whose X-Forwarded-For/-Proto we believe, besides loopback (trusted by default, as for nginx on
    /// the same host). Without this, every client behind a proxy looks like the proxy to rate limits and the tracker.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>Never throws (the configuration binder reads it before validation has run).</summary>
    public Uri BaseUri => Uri.TryCreate(PublicUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri) ? uri : new Uri("http://invalid/");

    /// <summary>"host" or "host:port", as PeerTube shows it in account and channel handles.</summary>
    public string Host => BaseUri.IsDefaultPort ? BaseUri.Host : $"{BaseUri.Host}:{BaseUri.Port}";

    public string Absolute(string path) => PublicUrl.TrimEnd('/') + "/" + path.TrimStart('/');

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies.Where(p => !System.Net.IPAddress.TryParse(p, out _)))
        {
            yield return new ValidationResult($"Instance:TrustedProxies: '{proxy}' is not an IP address.", [nameof(TrustedProxies)]);
        }

        if (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.PathAndQuery != "/" && uri.PathAndQuery.Length > 0 && uri.AbsolutePath.Trim('/').Length > 0)
        {
            yield return new ValidationResult(
                $"Instance:PublicUrl must be an absolute http(s) URL with no path, such as https://videos.example.org (got '{PublicUrl}').",
                [nameof(PublicUrl)]);
        }
    }
}
