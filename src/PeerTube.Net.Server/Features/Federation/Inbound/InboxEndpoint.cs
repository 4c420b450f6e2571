using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Every inbox (the shared one and each actor's): read a bounded body, check its Digest and its HTTP signature against
/// the signer's key (re-fetched once on failure, for key rotation, within the limits of <see cref="KeyFetchGuard"/>),
/// with our own host as the signed host (a request signed for another instance is not replayed here), check that the
/// activity comes from its signer, then store it and let a job process it. Nothing is stored for a request that fails a check.
/// </summary>
public static partial class InboxEndpoint
{
    public static async Task<IResult> ReceiveAsync(HttpContext http, AppDbContext db, RemoteActors actors, IOptionsMonitor<FederationOptions> options,
        IOptions<InstanceOptions> instance, KeyFetchGuard fetchGuard, IInboundBlocklist blocklist, IBackgroundJobClient jobs, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var o = options.CurrentValue;
        if (!o.Enabled)
        {
            return ApiProblem.NotFound("Federation is disabled on this instance.");
        }

        var body = await ReadBodyAsync(http.Request, o.MaxDocumentBytes, ct);
        if (body is null)
        {
            return new ApiProblem(413, $"The activity is larger than {o.MaxDocumentBytes} bytes.", "payload_too_large");
        }

        var headers = http.Request.Headers;
        var signature = HttpSignatures.Parse(headers["Signature"].ToString() is { Length: > 0 } s ? s : headers.Authorization.ToString());
        if (signature is null)
        {
            return ApiProblem.Unauthorized("The request has no valid HTTP signature.", "missing_signature");
        }

        if (!HttpSignatures.DigestMatches(headers["Digest"].ToString(), body))
        {
            return ApiProblem.BadRequest("The Digest header is missing or does not match the body.", "invalid_digest");
        }

        // The host we are: a request signed for another instance does not verify here, whatever Host it arrives with.
        var ourHost = instance.Value.Host;
        var log = loggers.CreateLogger("PeerTube.Net.Federation.Inbox");

        // A host the instance blocked is not heard, and its keys are not even fetched.
        if (ActivityJson.HostOf(signature.KeyId) is { } keyHost && await blocklist.RefusesHostAsync(keyHost, ct))
        {
            LogRefused(log, signature.KeyId, "the host is blocked");
            return ApiProblem.Forbidden("This instance blocks the sender's host.", "blocked_by_server");
        }

        var signer = await actors.KnownByKeyIdAsync(signature.KeyId, ct);
        var verdict = signer is null ? null : Verify(http, signature, signer, ourHost, clock, o);
        if (verdict is { Valid: false, Error: "bad_signature" } && !string.Equals(http.Request.Host.Value, ourHost, StringComparison.OrdinalIgnoreCase))
        {
            verdict = SignatureVerdict.Fail("host_mismatch");
        }

        // An unknown key, or perhaps a rotated one: fetch it, unless it failed just now or this source fetched enough.
        if (signer is null || verdict is { Valid: false, Error: "bad_signature" })
        {
            if (fetchGuard.IsRecentlyBad(signature.KeyId))
            {
                LogRefused(log, signature.KeyId, "failed recently, not fetched again");
                return signer is null
                    ? ApiProblem.Unauthorized("The signature's key could not be fetched.", "unknown_key")
                    : ApiProblem.Unauthorized("The HTTP signature is not valid (bad_signature).", "invalid_signature");
            }

            if (!fetchGuard.TryTakeFetch(http.Connection.RemoteIpAddress?.ToString() ?? "unknown"))
            {
                LogRefused(log, signature.KeyId, "too many key fetches from this address");
                http.Response.Headers.RetryAfter = "60";
                return new ApiProblem(429, "Too many requests with keys we do not know; try again in a minute.", "too_many_requests");
            }

            signer = await actors.ByKeyIdAsync(signature.KeyId, refresh: true, ct);
            verdict = signer is null ? null : Verify(http, signature, signer, ourHost, clock, o);
            if (verdict is not { Valid: true })
            {
                fetchGuard.MarkBad(signature.KeyId);
            }
        }

        if (signer is null || verdict is null)
        {
            LogRefused(log, signature.KeyId, "unknown key");
            return ApiProblem.Unauthorized("The signature's key could not be fetched.", "unknown_key");
        }

        if (!verdict.Valid)
        {
            LogRefused(log, signature.KeyId, verdict.Error);
            return ApiProblem.Unauthorized($"The HTTP signature is not valid ({verdict.Error}).", "invalid_signature");
        }

        if (await blocklist.RefusesAsync(signer, ct))
        {
            LogRefused(log, signature.KeyId, "the account is blocked");
            return ApiProblem.Forbidden("This instance blocks the sender.", "blocked_by_server");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return ApiProblem.BadRequest("The body is not JSON.", "invalid_activity");
        }

        using (doc)
        {
            var activity = doc.RootElement;
            var type = activity.Type();
            var id = activity.String("id");
            var actorUrl = activity.Id("actor");
            if (type is null || actorUrl is null)
            {
                return ApiProblem.BadRequest("An activity needs a type and an actor.", "invalid_activity");
            }

            // A forward (an origin passing on a comment on its video, written elsewhere) is kept, but only as a
            // pointer: NoteForwarding fetches the note from its own host and trusts nothing else in it.
            var forwarded = actorUrl != signer.Url;
            if (forwarded && type is not ("Create" or "Update" or "Delete"))
            {
                return ApiProblem.Forbidden("The activity's actor is not the signer.");
            }

            if (!forwarded && id is not null && !ActivityJson.SameHost(id, signer.Url))
            {
                return ApiProblem.Forbidden("The activity's id is on another host than its signer.");
            }

            // Activities without an id (some Undo and View activities) are keyed by their content. A forward is keyed by
            // its forwarder and its content, never by its id: that id belongs to another host, and a forger who took it
            // first would make the real activity look like a duplicate.
            var key = forwarded
                ? "urn:forwarded:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([.. System.Text.Encoding.UTF8.GetBytes(signer.Url + "\n"), .. body]))
                : id ?? "urn:sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
            if (await db.InboxActivities.AnyAsync(a => a.ActivityId == key, ct))
            {
                return TypedResults.NoContent();
            }

            var row = new InboxActivity
            {
                ActivityId = key, Type = type, ActorUrl = signer.Url, Json = System.Text.Encoding.UTF8.GetString(body), ReceivedAt = clock.GetUtcNow(),
            };
            db.InboxActivities.Add(row);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                return TypedResults.NoContent(); // The same activity, delivered twice at once.
            }

            // A message from a host we had marked unreachable means it is back.
            if (signer.Host is { } host)
            {
                await db.UnreachableHosts.Where(h => h.Host == host).ExecuteDeleteAsync(ct);
            }

            jobs.Create<ProcessInboxActivityJob>(j => j.RunAsync(row.Id, CancellationToken.None), new Hangfire.States.EnqueuedState(FederationQueues.Inbox));
            return TypedResults.NoContent();
        }
    }

    /// <summary>Checks the signature with <paramref name="ourHost"/> as the signed host (Verify requires host to be signed).</summary>
    private static SignatureVerdict Verify(HttpContext http, SignatureHeader signature, Actor signer, string ourHost, TimeProvider clock, FederationOptions o)
    {
        using var key = HttpSignatures.ImportPem(signer.PublicKeyPem);
        var request = http.Request;
        return HttpSignatures.Verify(request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
            name => name == "host" ? ourHost : request.Headers.TryGetValue(name, out var v) ? string.Join(", ", v.ToArray()) : null,
            signature, key, clock.GetUtcNow(), TimeSpan.FromSeconds(o.SignatureSkewSeconds), requireDigestForBody: true);
    }

    /// <summary>The body, or null when it is over the limit (checked from Content-Length first, then while reading).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox refused a request signed with {KeyId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string keyId, string? reason);
}
