using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>Lists of channels as PeerTube pages them, with its counts.</summary>
public static class ChannelStats
{
    public static Task<int> VideosCountAsync(AppDbContext db, int channelId, CancellationToken ct) =>
        db.Videos.CountAsync(v => v.ChannelId == channelId && v.State == VideoState.Published && v.Privacy == VideoPrivacy.Public, ct);

    /// <summary>
    /// One page of <paramref name="query"/> (sort columns id, name, updatedAt, createdAt). With stats: PeerTube's
    /// videosCount and totalViews; viewsPerDay stays empty, as views are counted per video and not per day here.
    /// </summary>
    public static async Task<ListPage<ChannelDto>> PageAsync(IQueryable<VideoChannel> query, ListQuery list, bool withStats, AppDbContext db,
        InstanceOptions instance, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        var d = list.Descending;
        var ordered = list.Column switch
        {
            "name" => d ? query.OrderByDescending(c => c.Name) : query.OrderBy(c => c.Name),
            "updatedAt" => d ? query.OrderByDescending(c => c.UpdatedAt) : query.OrderBy(c => c.UpdatedAt),
            "createdAt" => d ? query.OrderByDescending(c => c.CreatedAt) : query.OrderBy(c => c.CreatedAt),
            _ => d ? query.OrderByDescending(c => c.Id) : query.OrderBy(c => c.Id),
        };
        var page = await ordered.ThenBy(c => c.Id).Skip(list.Start).Take(list.Count)
            .Include(c => c.Account!).ThenInclude(a => a.Images).Include(c => c.Images).ToListAsync(ct);
        var ids = page.Select(c => c.Id).ToList();
        var counts = await db.Videos.Where(v => ids.Contains(v.ChannelId) && v.State == VideoState.Published && v.Privacy == VideoPrivacy.Public)
            .GroupBy(v => v.ChannelId).Select(g => new { g.Key, Count = g.Count(), Views = g.Sum(v => v.Views) }).ToListAsync(ct);
        return new ListPage<ChannelDto>(total, page.Select(c =>
        {
            var stats = counts.FirstOrDefault(x => x.Key == c.Id);
            var dto = AccountDtos.Channel(c, instance) with { VideosCount = stats?.Count ?? 0 };
            return withStats ? dto with { TotalViews = stats?.Views ?? 0, ViewsPerDay = [] } : dto;
        }).ToList());
    }
}
