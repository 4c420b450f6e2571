using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace PeerTube.Net.Server.Infrastructure.Redis;

/// <summary>
/// Redis, for running several nodes behind one load balancer: SignalR's backplane (every hub's messages reach the node
/// that holds the target connection) and the swarm hub's registry. Empty <see cref="Configuration"/> = one node, no Redis.
/// </summary>
public sealed class RedisOptions : IValidatableObject
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string (e.g. <c>redis:6379,password=…</c>); empty for a single node.</summary>
    public string Configuration { get; set; } = "";

    /// <summary>Put in front of every channel and key, so that two deployments may share one Redis.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,64}$", ErrorMessage = "Redis:ChannelPrefix must be 1 to 64 letters, digits, '.', '_' or '-'.")]
    public string ChannelPrefix { get; set; } = "peertube-net";

    /// <summary>
    /// A swarm hub peer not re-stamped for this long is gone (its node died). Each node re-stamps its own peers every
    /// third of it, so a live peer survives two missed heartbeats.
    /// </summary>
    [Range(3, 3600)]
    public int SwarmPeerTtlSeconds { get; set; } = 90;

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        string? error = null;
        try
        {
            ConfigurationOptions.Parse(Configuration);
        }
        catch (ArgumentException e)
        {
            error = e.Message;
        }

        if (error is not null)
        {
            yield return new ValidationResult($"Redis:Configuration is not a valid StackExchange.Redis connection string: {error}",
                [nameof(Configuration)]);
        }
    }
}
