using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// What a signed request may make us fetch. Checking a signature costs little; fetching its key costs a request to a
/// host the sender names. So a keyId whose signature failed even with a freshly fetched key (or whose key could not be
/// fetched) is not fetched again for <see cref="FederationOptions.BadSignatureCacheSeconds"/>, and each source IP may
/// cause at most <see cref="FederationOptions.KeyFetchesPerMinutePerIp"/> fetches a minute. Per node, in memory: a
/// restart forgets, which only costs a few fetches.
/// </summary>
public sealed class KeyFetchGuard(TimeProvider clock, IOptionsMonitor<FederationOptions> options)
{
    // Bounds the memory a flood of distinct keyIds or addresses can take; expired entries go first, then everything.
    private const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _badUntil = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (DateTimeOffset Start, int Count)> _fetches = new(StringComparer.Ordinal);

    /// <summary>Whether the key failed recently, after a fresh fetch: not worth fetching again yet.</summary>
    public bool IsRecentlyBad(string keyId) => _badUntil.TryGetValue(keyId, out var until) && until > clock.GetUtcNow();

    public void MarkBad(string keyId)
    {
        var seconds = options.CurrentValue.BadSignatureCacheSeconds;
        if (seconds <= 0)
        {
            return;
        }

        Prune(_badUntil, v => v <= clock.GetUtcNow());
        _badUntil[keyId] = clock.GetUtcNow().AddSeconds(seconds);
    }

    /// <summary>Counts one key fetch for <paramref name="source"/>; false when it is over its budget for the current minute.</summary>
    public bool TryTakeFetch(string source)
    {
        var now = clock.GetUtcNow();
        var limit = options.CurrentValue.KeyFetchesPerMinutePerIp;
        Prune(_fetches, v => now - v.Start >= TimeSpan.FromMinutes(1));
        var taken = _fetches.AddOrUpdate(source, _ => (now, 1),
            (_, window) => now - window.Start >= TimeSpan.FromMinutes(1) ? (now, 1) : (window.Start, window.Count + 1));
        return taken.Count <= limit;
    }

    private static void Prune<T>(ConcurrentDictionary<string, T> entries, Func<T, bool> expired)
    {
        if (entries.Count < MaxEntries)
        {
            return;
        }

        foreach (var (key, value) in entries)
        {
            if (expired(value))
            {
                entries.TryRemove(key, out _);
            }
        }

        if (entries.Count >= MaxEntries)
        {
            entries.Clear();
        }
    }
}
