using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.WatchedWords;

/// <summary>An automatic tag, of an account (its watched words) or of the instance (<see cref="AccountId"/> null).</summary>
public sealed record AutomaticTag(int? AccountId, string Name);

/// <summary>
/// PeerTube's automatic tagger: a text gets the name of every watched words list (of the given account and of the
/// instance) one of whose words it contains as a whole word, case-insensitively, and the core tag
/// <c>external-link</c> when it links to another host.
/// </summary>
public sealed partial class AutomaticTagger(AppDbContext db, IOptions<InstanceOptions> instance, ILogger<AutomaticTagger> log)
{
    public const string ExternalLink = "external-link";

    /// <summary>The tags PeerTube ships (its "core" tags).</summary>
    public static readonly IReadOnlyList<string> CoreTags = [ExternalLink];

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>The tags of a comment on a video of <paramref name="ownerAccountId"/>: that account's and the instance's.</summary>
    public async Task<IReadOnlyList<AutomaticTag>> TagCommentAsync(int ownerAccountId, string text, CancellationToken ct) =>
        [.. await TagAsync(ownerAccountId, text, ct), .. await TagAsync(null, text, ct)];

    /// <summary>
    /// PeerTube's shouldCommentBeHeldForReview, for the tag part: one of the owner's tags is under the owner's
    /// "review comments" policy.
    /// </summary>
    public async Task<bool> HoldsForReviewAsync(int ownerAccountId, IReadOnlyList<AutomaticTag> tags, CancellationToken ct)
    {
        var names = tags.Where(t => t.AccountId == ownerAccountId).Select(t => t.Name).ToList();
        return names.Count > 0 && await db.AutomaticTagPolicies.AnyAsync(
            p => p.AccountId == ownerAccountId && p.Policy == AutomaticTagPolicy.ReviewComment && names.Contains(p.Tag), ct);
    }

    private async Task<List<AutomaticTag>> TagAsync(int? accountId, string text, CancellationToken ct)
    {
        var lists = await db.WatchedWordsLists.AsNoTracking().Where(l => l.AccountId == accountId).Select(l => new { l.ListName, l.Words }).ToListAsync(ct);
        var tags = new List<AutomaticTag>();
        foreach (var list in lists)
        {
            try
            {
                if (list.Words.Count > 0 && WordsPattern(list.Words).IsMatch(text))
                {
                    tags.Add(new AutomaticTag(accountId, list.ListName));
                }
            }
            catch (RegexMatchTimeoutException)
            {
                log.LogWarning("Watched words list {List} took too long on a text of {Length} characters; not applied", list.ListName, text.Length);
            }
        }

        if (tags.All(t => t.Name != ExternalLink) && HasExternalLink(text))
        {
            tags.Add(new AutomaticTag(accountId, ExternalLink));
        }

        return tags;
    }

    /// <summary>Any of the words, whole (not inside a longer word), in any case: PeerTube's <c>wordsToRegExp</c>.</summary>
    public static Regex WordsPattern(IEnumerable<string> words) =>
        new($@"(?:\P{{L}}|^)(?:{string.Join('|', words.Select(w => Regex.Escape(w.Trim())))})(?=\P{{L}}|$)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, MatchTimeout);

    /// <summary>A link (with a scheme, or starting with www.) to a host that is not ours.</summary>
    public bool HasExternalLink(string text)
    {
        foreach (Match m in LinkPattern().Matches(text))
        {
            var candidate = m.Value.StartsWith("www.", StringComparison.OrdinalIgnoreCase) ? "http://" + m.Value : m.Value;
            if (Uri.TryCreate(candidate, UriKind.Absolute, out var uri)
                && !string.Equals(uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}", instance.Value.Host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"(?:https?://|www\.)[^\s<>""']+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex LinkPattern();
}
