using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Federation.Http;

/// <summary>Which of our actors signs a request: its key id (the actor url + <c>#main-key</c>) and its private key.</summary>
public sealed record SigningKey(string KeyId, string PrivateKeyPem);

/// <summary>The outcome of a fetch: a parsed JSON document (the caller disposes it) and the url it finally came from.</summary>
public sealed record FetchResult(bool Ok, int Status, string? Error, JsonDocument? Document, Uri FinalUrl)
{
    public static FetchResult Fail(Uri url, string error, int status = 0) => new(false, status, error, null, url);
}

/// <summary>The outcome of an image fetch: its bytes and the content type its first bytes show.</summary>
public sealed record ImageFetchResult(bool Ok, int Status, string? Error, byte[]? Body, string? ContentType, Uri FinalUrl)
{
    public static ImageFetchResult Fail(Uri url, string error, int status = 0) => new(false, status, error, null, null, url);
}

/// <summary>The image formats we take from other servers, told apart by their magic numbers.</summary>
public static class ImageTypes
{
    public static readonly IReadOnlySet<string> Accepted = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "image/jpeg", "image/png", "image/webp" };

    /// <summary>image/jpeg, image/png or image/webp from the first bytes; null for anything else.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        return head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8) ? "image/webp" : null;
    }
}

/// <summary>The outcome of one delivery. <see cref="Retryable"/> is false for answers that will not change (4xx but 408/429).</summary>
public sealed record DeliveryResult(bool Ok, int Status, string? Error, bool Retryable);

/// <summary>Raised when a remote url is refused before any byte is sent: a bad scheme, or a private address.</summary>
public sealed class RemoteAddressRefusedException(string message) : Exception(message);

/// <summary>
/// The only way federation code talks to other servers. Every request is signed (fetches too, for instances with
/// "authorized fetch"), bounded in time and size, http(s) only, and connects only to public addresses unless
/// <see cref="FederationOptions.AllowPrivateAddresses"/> is on. The address check runs in the socket connect callback,
/// on the address actually dialled, so DNS rebinding cannot slip past it; redirects are followed by hand and each hop
/// is checked again.
/// </summary>
public sealed class FederationHttpClient(HttpClient client, IOptionsMonitor<FederationOptions> options, TimeProvider clock, ILogger<FederationHttpClient> logger)
{
    public const string ClientName = "federation";
    public const string ActivityJsonType = "application/activity+json";
    public const string LdJsonType = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

    /// <summary>GET an ActivityPub document. Signed when <paramref name="signer"/> is given.</summary>
    public async Task<FetchResult> GetActivityAsync(Uri url, SigningKey? signer, CancellationToken ct)
    {
        var o = options.CurrentValue;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(o.FetchTimeoutSeconds));
        return await GetFollowingRedirectsAsync(url, request =>
        {
            request.Headers.Accept.ParseAdd(ActivityJsonType);
            request.Headers.Accept.ParseAdd(LdJsonType);
            if (signer is not null)
            {
                Sign(request, ReadOnlySpan<byte>.Empty, signer);
            }
        }, async (response, current) =>
        {
            var body = await ReadBoundedAsync(response.Content, o.MaxDocumentBytes, timeout.Token);
            if (body is null)
            {
                return FetchResult.Fail(current, $"the document is larger than {o.MaxDocumentBytes} bytes", (int)response.StatusCode);
            }

            try
            {
                return new FetchResult(true, (int)response.StatusCode, null, JsonDocument.Parse(body, ActivityJson.DocumentOptions), current);
            }
            catch (JsonException)
            {
                return FetchResult.Fail(current, "the document is not JSON", (int)response.StatusCode);
            }
        }, FetchResult.Fail, ct, timeout.Token);
    }

    /// <summary>
    /// GET a remote image (a thumbnail or preview of a remote video): unsigned, as PeerTube fetches them, at most
    /// <paramref name="maxBytes"/>, and only when both the Content-Type and the file's own first bytes say JPEG, PNG or WebP.
    /// </summary>
    public async Task<ImageFetchResult> GetImageAsync(Uri url, int maxBytes, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.CurrentValue.FetchTimeoutSeconds));
        return await GetFollowingRedirectsAsync(url, request => request.Headers.Accept.ParseAdd("image/jpeg, image/png, image/webp"),
            async (response, current) =>
            {
                var declared = response.Content.Headers.ContentType?.MediaType;
                if (declared is null || !ImageTypes.Accepted.Contains(declared))
                {
                    return ImageFetchResult.Fail(current, $"not an accepted image type: {declared ?? "none"}", (int)response.StatusCode);
                }

                var body = await ReadBoundedAsync(response.Content, maxBytes, timeout.Token);
                if (body is null)
                {
                    return ImageFetchResult.Fail(current, $"the image is larger than {maxBytes} bytes", (int)response.StatusCode);
                }

                return ImageTypes.Sniff(body) is { } sniffed
                    ? new ImageFetchResult(true, (int)response.StatusCode, null, body, sniffed, current)
                    : ImageFetchResult.Fail(current, $"the body is not a JPEG, PNG or WebP image (declared {declared})", (int)response.StatusCode);
            }, ImageFetchResult.Fail, ct, timeout.Token);
    }

    /// <summary>
    /// The GET loop both fetches share: redirects followed by hand (each hop's scheme checked again, and its address by
    /// the connect callback), refusals and network failures turned into a failed result. <paramref name="read"/> sees
    /// only a 2xx answer.
    /// </summary>
    private async Task<T> GetFollowingRedirectsAsync<T>(Uri url, Action<HttpRequestMessage> prepare, Func<HttpResponseMessage, Uri, Task<T>> read,
        Func<Uri, string, int, T> fail, CancellationToken ct, CancellationToken timeout)
    {
        var maxRedirects = options.CurrentValue.MaxRedirects;
        var current = url;
        for (var hop = 0; ; hop++)
        {
            if (CheckScheme(current) is { } schemeError)
            {
                return fail(current, schemeError, 0);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            prepare(request);
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout);
                if (IsRedirect(response.StatusCode))
                {
                    if (hop >= maxRedirects || response.Headers.Location is null)
                    {
                        return fail(current, "too many redirects", (int)response.StatusCode);
                    }

                    current = new Uri(current, response.Headers.Location);
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    return fail(current, $"HTTP {(int)response.StatusCode}", (int)response.StatusCode);
                }

                return await read(response, current);
            }
            catch (Exception e) when (Refusal(e) is { } refused)
            {
                return fail(current, refused, 0);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return fail(current, e is OperationCanceledException ? "timed out" : e.Message, 0);
            }
        }
    }

    /// <summary>POST a signed activity to an inbox. Redirects are not followed: an inbox that moves is a failure.</summary>
    public async Task<DeliveryResult> PostActivityAsync(Uri inbox, byte[] body, SigningKey signer, CancellationToken ct)
    {
        if (CheckScheme(inbox) is { } schemeError)
        {
            return new DeliveryResult(false, 0, schemeError, Retryable: false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.CurrentValue.FetchTimeoutSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ActivityJsonType);
        Sign(request, body, signer);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new DeliveryResult(true, status, null, Retryable: false);
            }

            var retryable = status is >= 500 or 408 or 429;
            return new DeliveryResult(false, status, $"HTTP {status}", retryable);
        }
        catch (Exception e) when (Refusal(e) is { } refused)
        {
            return new DeliveryResult(false, 0, refused, Retryable: false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            logger.LogDebug(e, "Delivery to {Inbox} failed", inbox);
            return new DeliveryResult(false, 0, e is OperationCanceledException ? "timed out" : e.Message, Retryable: true);
        }
    }

    private void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, SigningKey signer)
    {
        using var rsa = HttpSignatures.ImportPem(signer.PrivateKeyPem);
        HttpSignatures.Sign(request, body, signer.KeyId, rsa, clock.GetUtcNow());
    }

    private static string? CheckScheme(Uri url) =>
        url.IsAbsoluteUri && url.Scheme is "http" or "https" ? null : $"only http(s) urls are fetched, not {url}";

    private static bool IsRedirect(HttpStatusCode code) => (int)code is 301 or 302 or 303 or 307 or 308;

    private static string? Refusal(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is RemoteAddressRefusedException refused)
            {
                return refused.Message;
            }
        }

        return null;
    }

    /// <summary>Reads at most <paramref name="max"/> bytes; null when there is more.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int max, CancellationToken ct)
    {
        if (content.Headers.ContentLength > max)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Which addresses remote input may make us connect to.</summary>
public static class AddressGuard
{
    /// <summary>Loopback, private (RFC 1918, unique local), link-local, CGNAT, multicast, unspecified and documentation ranges.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and <= 127,
                169 => b[1] == 254,
                172 => b[1] is >= 16 and <= 31,
                192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2),
                198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
                203 => b[1] == 0 && b[2] == 113,
                >= 224 => true,
                _ => false,
            };
        }

        var v6 = address.GetAddressBytes();
        return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8);
    }

    /// <summary>
    /// A handler whose connections go only where <paramref name="allowPrivate"/> permits; checked on the resolved
    /// address that is actually dialled.
    /// </summary>
    public static SocketsHttpHandler Handler(Func<bool> allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.All,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, ct);
            var allowed = allowPrivate() ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new RemoteAddressRefusedException(
                    $"{host} resolves to a private address; set Federation:AllowPrivateAddresses to allow it");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}

public static class FederationHttpRegistration
{
    public static IServiceCollection AddFederationHttp(this IServiceCollection services)
    {
        services.AddHttpClient<FederationHttpClient>(FederationHttpClient.ClientName, c =>
            {
                c.Timeout = Timeout.InfiniteTimeSpan; // each call bounds itself
                c.DefaultRequestHeaders.UserAgent.ParseAdd("PeerTube.Net (+https://joinpeertube.org)");
            })
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptionsMonitor<FederationOptions>>();
                return AddressGuard.Handler(() => options.CurrentValue.AllowPrivateAddresses);
            });
        return services;
    }
}
