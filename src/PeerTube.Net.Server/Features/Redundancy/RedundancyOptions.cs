using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>Which remote videos this instance keeps copies of, how much room they take, and whose copies of ours it honours.</summary>
public sealed class RedundancyOptions : IValidatableObject
{
    public const string Section = "Redundancy";

    public static readonly string[] StrategyNames = ["most-views", "trending", "recently-added"];

    /// <summary>PeerTube's redundancy.videos.strategies: none by default.</summary>
    public List<RedundancyStrategyOptions> Strategies { get; set; } = [];

    /// <summary>How often the strategies run (PeerTube's check_interval).</summary>
    [Range(1, 7 * 86400)]
    public double CheckIntervalSeconds { get; set; } = 3600;

    /// <summary>Whose copies of our videos are honoured: nobody, anybody, or followings (instances we follow; PeerTube's default).</summary>
    public string AcceptFrom { get; set; } = "followings";

    /// <summary>
    /// Copies others announce of our videos rebuild the video's torrents (they are web seeds) once this long after the
    /// first announce, at most: a mirror that announces in a loop costs one rebuild per interval.
    /// </summary>
    [Range(0, 86400)]
    public int TorrentRebuildDelaySeconds { get; set; } = 180;

    /// <summary>How far a downloaded file may exceed its announced size before the copy is refused.</summary>
    [Range(0, 1)]
    public double SizeSlack { get; set; } = 0.05;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AcceptFrom is not ("nobody" or "anybody" or "followings"))
        {
            yield return new ValidationResult("Redundancy:AcceptFrom must be nobody, anybody or followings.", [nameof(AcceptFrom)]);
        }

        foreach (var (s, i) in Strategies.Select((s, i) => (s, i)))
        {
            if (!StrategyNames.Contains(s.Strategy))
            {
                yield return new ValidationResult($"Redundancy:Strategies:{i}:Strategy must be one of {string.Join(", ", StrategyNames)}.");
            }

            if (s.SizeBytes <= 0)
            {
                yield return new ValidationResult($"Redundancy:Strategies:{i}:SizeBytes must be more than 0.");
            }

            if (s.MinLifetimeHours <= 0 || s.MinViews < 0)
            {
                yield return new ValidationResult($"Redundancy:Strategies:{i}: MinLifetimeHours must be more than 0 and MinViews 0 or more.");
            }
        }

        if (Strategies.GroupBy(s => s.Strategy).Any(g => g.Count() > 1))
        {
            yield return new ValidationResult("Redundancy:Strategies: each strategy at most once.");
        }
    }
}

public sealed class RedundancyStrategyOptions
{
    public string Strategy { get; set; } = "";

    /// <summary>Total size of this strategy's copies.</summary>
    public long SizeBytes { get; set; }

    /// <summary>A copy is kept at least this long before another candidate may replace it.</summary>
    public double MinLifetimeHours { get; set; } = 25;

    /// <summary>recently-added only: the views a video needs first.</summary>
    public long MinViews { get; set; }
}
