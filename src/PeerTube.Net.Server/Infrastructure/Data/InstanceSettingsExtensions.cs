using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Infrastructure.Data;

public static class InstanceSettingsExtensions
{
    public static async Task<IReadOnlyDictionary<string, string>> InstanceSettingsAsync(this AppDbContext db, params string[] keys) =>
        await db.InstanceSettings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, s => s.Value);
}
