using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>ActivityPub: who may follow us, how we fetch and how we deliver.</summary>
public sealed class FederationOptions : IValidatableObject
{
    public const string Section = "Federation";

    /// <summary>Off turns the inbox, the outbox and deliveries off; discovery documents are still served.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Remote input (actor ids, key ids, inboxes, object ids) may point at private, loopback or link-local addresses.
    /// Off by default: otherwise anyone can make the server fetch its own intranet (SSRF). Loopback tests turn it on.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>Follows of our instance or of our channels are accepted at once; otherwise an admin accepts them.</summary>
    public bool AutoAcceptFollowers { get; set; } = true;

    [Range(1, 120)]
    public int FetchTimeoutSeconds { get; set; } = 10;

    /// <summary>Largest ActivityPub document we read, fetched or posted to our inbox.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxDocumentBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Largest thumbnail or preview of a remote video we fetch from its origin (PeerTube's own limit for images is 8 MiB).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxImageBytes { get; set; } = 8 * 1024 * 1024;

    [Range(0, 10)]
    public int MaxRedirects { get; set; } = 3;

    /// <summary>How far a signed request's Date may be from our clock, either way.</summary>
    [Range(1, 86400)]
    public int SignatureSkewSeconds { get; set; } = 12 * 3600;

    /// <summary>First retry of a failed delivery; each next one waits twice as long, up to <see cref="DeliveryMaxBackoffSeconds"/>.</summary>
    [Range(0.1, 3600)]
    public double DeliveryRetryBaseSeconds { get; set; } = 30;

    [Range(1, 86400)]
    public double DeliveryMaxBackoffSeconds { get; set; } = 3600;

    /// <summary>A delivery is retried for this long; an inbox that fails for this long is marked dead and skipped.</summary>
    [Range(0.01, 24 * 30)]
    public double DeliveryGiveUpHours { get; set; } = 48;

    /// <summary>Views of a remote video are sent to its origin at most once per video per interval, as one View.</summary>
    [Range(1, 86400)]
    public int ViewsBatchSeconds { get; set; } = 60;

    /// <summary>Deliveries sent at once by this node.</summary>
    [Range(1, 256)]
    public int DeliveryConcurrency { get; set; } = 8;

    /// <summary>
    /// The largest view count a remote video may claim. Views are the only thing trending and "most viewed" rank by, so
    /// a remote origin that lies about them could otherwise push its videos above every local one.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MaxRemoteVideoViews { get; set; } = 10_000_000;

    /// <summary>
    /// A keyId whose signature still fails after its key was fetched again is not fetched again for this long: a forger
    /// who repeats the request costs us a signature check, not a fetch.
    /// </summary>
    [Range(0, 86400)]
    public int BadSignatureCacheSeconds { get; set; } = 300;

    /// <summary>Key fetches (unknown keyIds, key rotations) one source IP may cause per minute; then 429 too_many_requests.</summary>
    [Range(1, 100_000)]
    public int KeyFetchesPerMinutePerIp { get; set; } = 60;

    /// <summary>Hangfire workers for inbox activities (their own queue, so a flood cannot starve transcoding or outbound jobs).</summary>
    [Range(1, 64)]
    public int InboxWorkers { get; set; } = 2;

    /// <summary>Hangfire workers for outbound federation jobs (building activities, fetching outboxes).</summary>
    [Range(1, 64)]
    public int OutboundWorkers { get; set; } = 2;

    /// <summary>
    /// How long received activities (the inbox log: body, outcome, and the id that makes a replay a no-op) are kept.
    /// Must outlast <see cref="SignatureSkewSeconds"/>, or a replayed signed request could be taken again.
    /// </summary>
    [Range(1, 24 * 3650)]
    public int InboxLogRetentionHours { get; set; } = 14 * 24;

    /// <summary>How often the inbox log is trimmed to <see cref="InboxLogRetentionHours"/>.</summary>
    [Range(1, 86_400)]
    public int InboxLogCleanupIntervalSeconds { get; set; } = 3600;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InboxLogRetentionHours * 3600L <= SignatureSkewSeconds)
        {
            yield return new ValidationResult(
                $"Federation:InboxLogRetentionHours ({InboxLogRetentionHours} h) must be longer than Federation:SignatureSkewSeconds "
                + $"({SignatureSkewSeconds} s): a signed activity must not be forgotten while its signature could still be replayed.",
                [nameof(InboxLogRetentionHours)]);
        }
    }
}

/// <summary>The Hangfire queues of federation: inbound and outbound each have workers of their own.</summary>
public static class FederationQueues
{
    public const string Inbox = "federation-inbox";
    public const string Outbound = "federation-outbound";
}
