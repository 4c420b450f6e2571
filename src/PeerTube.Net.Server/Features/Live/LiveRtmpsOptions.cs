using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// RTMPS ingest (section <c>Live:Rtmps</c>), as PeerTube's <c>live.rtmps</c>: a second port where publishers stream
/// over TLS, with a PEM certificate and key from files. The files are read on start: a missing or unreadable pair
/// stops the server with a message naming the option.
/// </summary>
public sealed class LiveRtmpsOptions
{
    public const string Section = "Live:Rtmps";

    public bool Enabled { get; set; }

    /// <summary>TCP port (0 picks a free one, for tests). PeerTube's default is 1936.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1936;

    /// <summary>The certificate (PEM), with its chain after it if any.</summary>
    [MaxLength(4096)]
    public string? CertFile { get; set; }

    /// <summary>The certificate's private key (PEM, unencrypted).</summary>
    [MaxLength(4096)]
    public string? KeyFile { get; set; }

    /// <summary>The certificate and its key, read from the files.</summary>
    /// <exception cref="InvalidOperationException">With a message that names the option at fault.</exception>
    public X509Certificate2 LoadCertificate()
    {
        if (string.IsNullOrWhiteSpace(CertFile) || string.IsNullOrWhiteSpace(KeyFile))
        {
            throw new InvalidOperationException("Live:Rtmps is enabled but Live:Rtmps:CertFile and Live:Rtmps:KeyFile are not both set (PEM files).");
        }

        foreach (var (name, path) in new[] { ("CertFile", CertFile), ("KeyFile", KeyFile) })
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"Live:Rtmps:{name}: no file at '{path}'.");
            }
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(CertFile, KeyFile);
            // SslStream on Windows refuses the ephemeral key of a PEM-loaded certificate: a PKCS#12 round trip gives a usable one everywhere.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Live:Rtmps: '{CertFile}' and '{KeyFile}' are not a PEM certificate and its unencrypted private key: {e.Message}", e);
        }
    }
}

/// <summary>Reads the RTMPS certificate at start (ValidateOnStart), so a bad pair fails the boot, not the first publisher.</summary>
internal sealed class LiveRtmpsOptionsValidator : IValidateOptions<LiveRtmpsOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveRtmpsOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            using var certificate = options.LoadCertificate();
            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
