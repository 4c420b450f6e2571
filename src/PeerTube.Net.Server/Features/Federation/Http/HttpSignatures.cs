using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PeerTube.Net.Server.Features.Federation.Http;

/// <summary>A parsed <c>Signature</c> header (draft-cavage-http-signatures-12).</summary>
/// <param name="Headers">Lowercase, in signing order; <c>["date"]</c> when the header had no <c>headers</c> parameter.</param>
public sealed record SignatureHeader(string KeyId, string Algorithm, IReadOnlyList<string> Headers, byte[] Signature)
{
    /// <summary>The <c>created</c> parameter as sent (a Unix time), the value of the <c>(created)</c> pseudo-header.</summary>
    public string? Created { get; init; }

    /// <summary>The <c>expires</c> parameter as sent (a Unix time, maybe with a fraction), the value of <c>(expires)</c>.</summary>
    public string? Expires { get; init; }
}

/// <param name="Error">A short stable reason when invalid: <c>bad_signature</c>, <c>date_out_of_window</c>, <c>missing_header:host</c>…</param>
public sealed record SignatureVerdict(bool Valid, string? Error)
{
    public static readonly SignatureVerdict Ok = new(true, null);

    public static SignatureVerdict Fail(string error) => new(false, error);
}

/// <summary>
/// HTTP signatures as Mastodon and PeerTube use them: draft-cavage-http-signatures-12, rsa-sha256 (hs2019 accepted on
/// verify as the same thing with an RSA key), a SHA-256 <c>Digest</c> header over the body.
/// </summary>
public static class HttpSignatures
{
    public const string RsaSha256 = "rsa-sha256";
    public const string Hs2019 = "hs2019";

    // Longer than any real header (a 4096-bit signature is 684 base64 characters); bounds the parser's work on garbage.
    private const int MaxHeaderLength = 8192;

    public static string Digest(ReadOnlySpan<byte> body) => "SHA-256=" + Convert.ToBase64String(SHA256.HashData(body));

    /// <summary>True when the header has a SHA-256 entry and every SHA-256 entry matches the body; other algorithms are ignored.</summary>
    public static bool DigestMatches(string? header, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, expected);
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        var found = false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0 || !part[..eq].Trim().Equals("SHA-256", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // Base64 ends in '=' padding, so only the first '=' separates the name from the value.
            if (!Convert.TryFromBase64String(part[(eq + 1)..].Trim(), actual, out var written)
                || written != SHA256.HashSizeInBytes
                || !CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                return false;
            }

            found = true;
        }

        return found;
    }

    /// <summary>
    /// Sets Date, Host, Digest (when there is a body) and Signature. A request with a body signs
    /// <c>(request-target) host date digest</c> plus <c>content-type</c> when the content has one, as Mastodon does;
    /// one without signs <c>(request-target) host date</c>. Set the content (and its type) before calling this.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, string keyId, RSA privateKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(privateKey);
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        if (!uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request URI must be absolute.", nameof(request));
        }

        var headers = request.Headers;
        var date = now.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        headers.Remove("Date");
        headers.TryAddWithoutValidation("Date", date);
        var host = HostHeader(uri);
        headers.Host = host;

        var signed = new List<string> { "(request-target)", "host", "date" };
        var values = new Dictionary<string, string> { ["host"] = host, ["date"] = date };

        var hasBody = request.Content is not null || !body.IsEmpty;
        if (hasBody)
        {
            var digest = Digest(body);
            headers.Remove("Digest");
            headers.TryAddWithoutValidation("Digest", digest);
            signed.Add("digest");
            values["digest"] = digest;

            var contentType = request.Content?.Headers.ContentType?.ToString();
            if (!string.IsNullOrEmpty(contentType))
            {
                signed.Add("content-type");
                values["content-type"] = contentType;
            }
        }

        var signingString = SigningString(request.Method.Method, uri.PathAndQuery, signed, name => values.GetValueOrDefault(name), created: null, expires: null)
            ?? throw new InvalidOperationException("Unreachable: every signed header has a value.");
        var signature = privateKey.SignData(Encoding.UTF8.GetBytes(signingString), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        headers.Remove("Signature");
        headers.TryAddWithoutValidation("Signature",
            $"keyId=\"{Escape(keyId)}\",algorithm=\"{RsaSha256}\",headers=\"{string.Join(' ', signed)}\",signature=\"{Convert.ToBase64String(signature)}\"");
    }

    /// <summary>
    /// Parses a <c>Signature</c> header value, or an <c>Authorization</c> value starting with <c>Signature </c>.
    /// Null when malformed: no keyId, no or non-base64 signature, a repeated parameter, an unterminated quote.
    /// A missing algorithm is read as <c>hs2019</c> (the key decides); a missing headers list means <c>date</c>.
    /// </summary>
    public static SignatureHeader? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header) || header.Length > MaxHeaderLength)
        {
            return null;
        }

        var text = header.AsSpan().Trim();
        if (text.Length > 10 && text[..10].Equals("Signature ", StringComparison.OrdinalIgnoreCase))
        {
            text = text[10..].TrimStart();
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (true)
        {
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t' || text[i] == ','))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            var nameStart = i;
            while (i < text.Length && IsTokenChar(text[i]))
            {
                i++;
            }

            if (i == nameStart)
            {
                return null;
            }

            var name = text[nameStart..i].ToString();
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '=')
            {
                return null;
            }

            i++;
            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                i++;
                var sb = new StringBuilder();
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        sb.Append(text[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        sb.Append(c);
                    }
                }

                if (!closed)
                {
                    return null;
                }

                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < text.Length && text[i] != ',' && text[i] != ' ' && text[i] != '\t')
                {
                    i++;
                }

                value = text[valueStart..i].ToString();
            }

            // A repeated parameter is ambiguous: which keyId did the sender mean?
            if (!parameters.TryAdd(name, value))
            {
                return null;
            }

            while (i < text.Length && (text[i] == ' ' || text[i] == '\t'))
            {
                i++;
            }

            if (i < text.Length && text[i] != ',')
            {
                return null;
            }
        }

        if (!parameters.TryGetValue("keyId", out var keyId) || string.IsNullOrWhiteSpace(keyId)
            || !parameters.TryGetValue("signature", out var signatureText))
        {
            return null;
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException)
        {
            return null;
        }

        if (signature.Length == 0)
        {
            return null;
        }

        IReadOnlyList<string> headers = ["date"];
        if (parameters.TryGetValue("headers", out var headerList))
        {
            var names = headerList.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
                .Select(h => h.ToLowerInvariant())
                .ToArray();
            if (names.Length == 0)
            {
                return null;
            }

            headers = names;
        }

        var created = parameters.GetValueOrDefault("created");
        var expires = parameters.GetValueOrDefault("expires");
        if ((created is not null && !long.TryParse(created, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            || (expires is not null && !decimal.TryParse(expires, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }

        var algorithm = parameters.GetValueOrDefault("algorithm");
        return new SignatureHeader(keyId, string.IsNullOrWhiteSpace(algorithm) ? Hs2019 : algorithm.ToLowerInvariant(), headers, signature)
        {
            Created = created,
            Expires = expires,
        };
    }

    /// <summary>
    /// Checks a parsed signature against a request. Requires <c>(request-target)</c>, <c>host</c> and either <c>date</c>
    /// or <c>(created)</c> to be signed (and <c>digest</c> when <paramref name="requireDigestForBody"/>), the time within
    /// <paramref name="skew"/>, and the RSA-SHA256 PKCS#1 v1.5 signature. The caller checks the Digest against the body.
    /// </summary>
    /// <param name="pathAndQuery">The request target exactly as it was sent (still percent-encoded), e.g. Kestrel's raw target.</param>
    /// <param name="header">A request header by lowercase name, several values joined with ", "; null when absent.</param>
    public static SignatureVerdict Verify(
        string method,
        string pathAndQuery,
        Func<string, string?> header,
        SignatureHeader signature,
        RSA publicKey,
        DateTimeOffset now,
        TimeSpan skew,
        bool requireDigestForBody)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(publicKey);

        if (signature.Algorithm is not (RsaSha256 or Hs2019))
        {
            return SignatureVerdict.Fail("unsupported_algorithm");
        }

        var signed = signature.Headers;
        if (!signed.Contains("(request-target)"))
        {
            return SignatureVerdict.Fail("request_target_not_signed");
        }

        if (!signed.Contains("host"))
        {
            return SignatureVerdict.Fail("host_not_signed");
        }

        var signsDate = signed.Contains("date");
        var signsCreated = signed.Contains("(created)");
        if (!signsDate && !signsCreated)
        {
            return SignatureVerdict.Fail("date_not_signed");
        }

        if (requireDigestForBody && !signed.Contains("digest"))
        {
            return SignatureVerdict.Fail("digest_not_signed");
        }

        // draft-12 §2.3: (created) and (expires) are only defined for algorithms that don't name their hash (hs2019).
        if ((signsCreated || signed.Contains("(expires)")) && signature.Algorithm != Hs2019)
        {
            return SignatureVerdict.Fail("pseudo_header_not_allowed");
        }

        foreach (var name in signed)
        {
            var missing = name switch
            {
                "(request-target)" => false,
                "(created)" => signature.Created is null,
                "(expires)" => signature.Expires is null,
                _ => header(name) is null,
            };
            if (missing)
            {
                return SignatureVerdict.Fail("missing_header:" + name);
            }
        }

        if (signsDate)
        {
            if (!DateTimeOffset.TryParseExact(header("date")!.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
                && !DateTimeOffset.TryParse(header("date"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date))
            {
                return SignatureVerdict.Fail("bad_date");
            }

            if ((date - now).Duration() > skew)
            {
                return SignatureVerdict.Fail("date_out_of_window");
            }
        }

        if (signsCreated)
        {
            if (!long.TryParse(signature.Created, NumberStyles.None, CultureInfo.InvariantCulture, out var createdSeconds)
                || createdSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                return SignatureVerdict.Fail("bad_created");
            }

            if ((DateTimeOffset.FromUnixTimeSeconds(createdSeconds) - now).Duration() > skew)
            {
                return SignatureVerdict.Fail("date_out_of_window");
            }
        }

        if (signature.Expires is not null
            && decimal.TryParse(signature.Expires, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var expiresSeconds)
            && expiresSeconds < now.ToUnixTimeSeconds())
        {
            return SignatureVerdict.Fail("signature_expired");
        }

        var signingString = SigningString(method, pathAndQuery, signed, header, signature.Created, signature.Expires);
        if (signingString is null)
        {
            return SignatureVerdict.Fail("bad_headers");
        }

        try
        {
            return publicKey.VerifyData(Encoding.UTF8.GetBytes(signingString), signature.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                ? SignatureVerdict.Ok
                : SignatureVerdict.Fail("bad_signature");
        }
        catch (CryptographicException)
        {
            return SignatureVerdict.Fail("bad_signature");
        }
    }

    /// <summary>
    /// The string that is signed (draft-12 §2.3): one <c>name: value</c> line per signed header, joined by "\n".
    /// Null when a signed header has no value.
    /// </summary>
    public static string? SigningString(
        string method,
        string pathAndQuery,
        IReadOnlyList<string> headers,
        Func<string, string?> header,
        string? created,
        string? expires)
    {
        var sb = new StringBuilder();
        foreach (var name in headers)
        {
            var value = name switch
            {
                "(request-target)" => method.ToLowerInvariant() + " " + pathAndQuery,
                "(created)" => created,
                "(expires)" => expires,
                _ => header(name)?.Trim(),
            };
            if (value is null)
            {
                return null;
            }

            if (sb.Length > 0)
            {
                sb.Append('\n');
            }

            sb.Append(name).Append(": ").Append(value);
        }

        return sb.ToString();
    }

    /// <summary>A fresh RSA 2048 key pair: the public key as SubjectPublicKeyInfo PEM (what actors publish), the private key as PKCS#8 PEM.</summary>
    public static (string PublicKeyPem, string PrivateKeyPem) NewKeyPair()
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportSubjectPublicKeyInfoPem(), rsa.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Reads a PEM RSA key: SubjectPublicKeyInfo ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC KEY", "RSA PRIVATE KEY") or PKCS#8
    /// ("PRIVATE KEY"). Throws <see cref="ArgumentException"/> or <see cref="CryptographicException"/> on anything else.
    /// </summary>
    public static RSA ImportPem(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static string HostHeader(Uri uri)
    {
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : host + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
