using System.Text.Json;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Every inbox (the shared one and each actor's): read a bounded body, check its Digest and its HTTP signature against
/// the signer's key (re-fetched once on failure, for key rotation), check that the activity comes from its signer, then
/// store it and let a job process it. Nothing is stored for a request that fails a check.
/// </summary>
public static partial class InboxEndpoint
{
    public static async Task<IResult> ReceiveAsync(HttpContext http, AppDbContext db, RemoteActors actors, IOptionsMonitor<FederationOptions> options,
        IBackgroundJobClient jobs, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
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

        var signer = await actors.ByKeyIdAsync(signature.KeyId, refresh: false, ct);
        var verdict = signer is null ? null : Verify(http, signature, signer, clock, o);
        if (signer is not null && verdict is { Valid: false, Error: not "date_out_of_window" })
        {
            // Perhaps the key was rotated: fetch it again, once.
            signer = await actors.ByKeyIdAsync(signature.KeyId, refresh: true, ct);
            verdict = signer is null ? null : Verify(http, signature, signer, clock, o);
        }

        var log = loggers.CreateLogger("PeerTube.Net.Federation.Inbox");
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

            jobs.Create<ProcessInboxActivityJob>(j => j.RunAsync(row.Id, CancellationToken.None), new Hangfire.States.EnqueuedState(JobsExtensions.DefaultQueue));
            return TypedResults.NoContent();
        }
    }

    private static SignatureVerdict Verify(HttpContext http, SignatureHeader signature, Actor signer, TimeProvider clock, FederationOptions o)
    {
        using var key = HttpSignatures.ImportPem(signer.PublicKeyPem);
        var request = http.Request;
        return HttpSignatures.Verify(request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
            name => name == "host" ? request.Host.Value : request.Headers.TryGetValue(name, out var v) ? string.Join(", ", v.ToArray()) : null,
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
