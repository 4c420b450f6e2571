using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Uploads;

/// <summary>
/// Serialises the quota decisions of one user: "is there room?" and "take it" (open a resumable session, create the
/// video) happen as one step, so parallel sessions or uploads cannot each see the same free space. Within a node a
/// semaphore per user; across nodes sharing PostgreSQL, a session-level advisory lock on (namespace, user id).
/// </summary>
public sealed class UploadQuotaGate
{
    /// <summary>The advisory lock's first key: "quot" read as an int, so other advisory locks cannot collide with ours.</summary>
    private const int AdvisoryNamespace = 0x71756F74;

    private readonly ConcurrentDictionary<int, SemaphoreSlim> _users = new();

    public async Task<T> RunAsync<T>(AppDbContext db, int userId, Func<Task<T>> decide, CancellationToken ct)
    {
        var gate = _users.GetOrAdd(userId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        var postgres = db.Database.IsNpgsql();
        try
        {
            if (postgres)
            {
                await db.Database.OpenConnectionAsync(ct);
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({AdvisoryNamespace}, {userId})", ct);
            }

            try
            {
                return await decide();
            }
            finally
            {
                if (postgres)
                {
                    await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({AdvisoryNamespace}, {userId})", CancellationToken.None);
                    await db.Database.CloseConnectionAsync();
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
