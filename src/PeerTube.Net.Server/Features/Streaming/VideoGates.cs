using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>What the file routes need to know of a video to decide who may fetch its files.</summary>
public sealed record VideoGate(int Id, VideoPrivacy Privacy, int? OwnerUserId, bool DownloadEnabled, bool IsLive = false)
{
    /// <summary>Private, internal and password-protected videos live under the private path, the others under the public one.</summary>
    public bool IsPrivateLike => VideoUrls.IsPrivateLike(Privacy);
}

/// <summary>
/// Access decisions for media, per video, kept for <see cref="StreamingOptions.AccessCacheSeconds"/>: every segment of
/// every viewer used to cost a database round trip (two joins), which capped the file routes. A change of privacy on this
/// node clears the cache at once (<see cref="StreamingVideoEvents"/>); other nodes follow within the bound. Videos that
/// do not exist are not remembered, so a video is servable as soon as its row is committed.
/// </summary>
public sealed class VideoGates(IOptions<StreamingOptions> options, TimeProvider clock)
{
    /// <summary>Entries kept at most; beyond it the cache starts over (entries live seconds, so this only bounds a flood of uuids).</summary>
    public const int MaxEntries = 50_000;

    private readonly ConcurrentDictionary<Guid, (VideoGate Gate, long Expires)> _gates = new();
    private readonly long _lifetime = (long)(options.Value.AccessCacheSeconds * clock.TimestampFrequency);
    private long _generation;

    public ValueTask<VideoGate?> GetAsync(Guid uuid, HttpContext http)
    {
        if (_lifetime > 0 && _gates.TryGetValue(uuid, out var cached) && clock.GetTimestamp() < cached.Expires)
        {
            return ValueTask.FromResult<VideoGate?>(cached.Gate);
        }

        return LoadAsync(uuid, http);
    }

    /// <summary>Forgets every decision: privacy, ownership or downloads of some video changed, or it was deleted.</summary>
    public void Clear()
    {
        Interlocked.Increment(ref _generation);
        _gates.Clear();
    }

    private async ValueTask<VideoGate?> LoadAsync(Guid uuid, HttpContext http)
    {
        // The database is resolved only here, so that a hit costs no DbContext.
        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        var started = clock.GetTimestamp();
        var generation = Interlocked.Read(ref _generation);
        var gate = await db.Videos.AsNoTracking().Where(v => v.Uuid == uuid)
            .Select(v => new VideoGate(v.Id, v.Privacy, v.Channel!.Account!.UserId, v.DownloadEnabled, v.IsLive))
            .FirstOrDefaultAsync(http.RequestAborted);
        // A decision read before a Clear() may predate the change that caused it: not kept.
        if (gate is not null && _lifetime > 0 && generation == Interlocked.Read(ref _generation))
        {
            if (_gates.Count >= MaxEntries)
            {
                _gates.Clear();
            }

            // Timed from before the query, so an entry never outlives the bound measured from what the database said.
            _gates[uuid] = (gate, started + _lifetime);
        }

        return gate;
    }
}
