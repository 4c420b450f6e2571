using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>
/// Runs the strategies every <see cref="RedundancyOptions.CheckIntervalSeconds"/> (and once soon after start):
/// queues copies left unfinished, drops the oldest copies beyond a strategy's cap, renews or drops expired ones, and
/// picks the next video for each strategy.
/// </summary>
public sealed partial class RedundancyScheduler(IServiceScopeFactory scopes, IOptions<RedundancyOptions> options, ILogger<RedundancyScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.CheckIntervalSeconds));
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(2, options.Value.CheckIntervalSeconds)), stoppingToken);
            do
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<RedundancyPlanner>().RunAsync(stoppingToken);
                }
                catch (Exception e) when (e is DbUpdateException or InvalidOperationException or HttpRequestException or IOException)
                {
                    LogFailed(e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redundancy check failed, tried again at the next interval: {Reason}")]
    private partial void LogFailed(string reason);
}

/// <summary>One pass of the strategies. What it decides is in the rows; the copies are jobs.</summary>
public sealed partial class RedundancyPlanner(
    AppDbContext db, IBackgroundJobClient jobs, CacheFileAnnouncer announcer, StoragePaths paths, IOptions<RedundancyOptions> options,
    TimeProvider clock, ILogger<RedundancyPlanner> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var pending in await db.VideoRedundancies.Where(r => r.MirrorHost == null && r.State == RedundancyState.Pending).Select(r => r.Id).ToListAsync(ct))
        {
            Enqueue(pending);
        }

        // Others' copies that were not renewed are forgotten.
        await db.VideoRedundancies.Where(r => r.MirrorHost != null && r.ExpiresAt < now).ExecuteDeleteAsync(ct);

        var configured = options.Value.Strategies.ToDictionary(s => s.Strategy);
        foreach (var copy in await db.VideoRedundancies.Include(r => r.Video)
                     .Where(r => r.MirrorHost == null && r.Strategy != null && r.Strategy != "manual").ToListAsync(ct))
        {
            if (!configured.ContainsKey(copy.Strategy!))
            {
                await DropAsync(copy, "its strategy is no longer configured", ct); // The admin removed the strategy.
            }
        }

        foreach (var strategy in options.Value.Strategies)
        {
            var copies = await db.VideoRedundancies.Include(r => r.Video).ThenInclude(v => v!.StreamingPlaylist!).ThenInclude(p => p.Files)
                .Where(r => r.MirrorHost == null && r.Strategy == strategy.Strategy && r.State != RedundancyState.Failed)
                .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id).ToListAsync(ct);

            // Over the cap (it was lowered, or sizes grew): the oldest go first.
            var used = copies.Sum(SizeOf);
            foreach (var oldest in copies.ToList())
            {
                if (used <= strategy.SizeBytes)
                {
                    break;
                }

                used -= SizeOf(oldest);
                copies.Remove(oldest);
                await DropAsync(oldest, "over the strategy's size cap", ct);
            }

            // Expired: kept (and announced again) while the video is still among the strategy's picks, otherwise dropped.
            var top = await CandidatesAsync(strategy).Take(50).Select(v => v.Id).ToListAsync(ct);
            foreach (var expired in copies.Where(c => c.State == RedundancyState.Ready && c.ExpiresAt <= now).ToList())
            {
                if (top.Contains(expired.VideoId))
                {
                    expired.ExpiresAt = now.AddHours(strategy.MinLifetimeHours);
                    await db.SaveChangesAsync(ct);
                    await announcer.AnnounceAsync(expired.Id, "Update", ct);
                }
                else
                {
                    used -= SizeOf(expired);
                    await DropAsync(expired, "expired and no longer picked", ct);
                }
            }

            // One new copy per strategy per pass, the first pick that fits.
            var taken = await db.VideoRedundancies.Where(r => r.MirrorHost == null).Select(r => r.VideoId).ToListAsync(ct);
            var candidates = await CandidatesAsync(strategy).Where(v => !taken.Contains(v.Id)).Take(20)
                .Include(v => v.StreamingPlaylist!).ThenInclude(p => p.Files).ToListAsync(ct);
            var next = candidates.FirstOrDefault(v => used + EstimatedSize(v) <= strategy.SizeBytes);
            if (next is not null)
            {
                await CreateAsync(next, strategy.Strategy, ct);
            }
        }
    }

    /// <summary>Remote, public, published videos with HLS and a sha256 JSON, from instances an admin allowed, best first.</summary>
    private IQueryable<Video> CandidatesAsync(RedundancyStrategyOptions strategy)
    {
        var allowed = db.RedundancyHosts.Where(h => h.Allowed).Select(h => h.Host);
        var videos = db.Videos.AsNoTracking()
            .Where(v => v.RemoteUrl != null && v.RemotePlaylistUrl != null && v.RemoteSegmentsSha256Url != null
                        && v.Privacy == VideoPrivacy.Public && v.State == VideoState.Published && !v.IsLive && allowed.Contains(v.Channel!.Host!));
        return strategy.Strategy switch
        {
            "recently-added" => videos.Where(v => v.Views >= strategy.MinViews).OrderByDescending(v => v.PublishedAt).ThenByDescending(v => v.Id),
            // Trending is what the videos list sorts as trending: the most viewed (views are not kept per day here).
            _ => videos.Where(v => v.Views > 0).OrderByDescending(v => v.Views).ThenByDescending(v => v.PublishedAt),
        };
    }

    /// <summary>A manual copy (the admin API) or a strategy's pick: a row, then the job.</summary>
    public async Task<VideoRedundancy> CreateAsync(Video video, string strategy, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var copy = new VideoRedundancy
        {
            VideoId = video.Id, Strategy = strategy, State = RedundancyState.Pending, CreatedAt = now, ExpiresAt = strategy == "manual" ? now.AddYears(100) : now,
            Url = announcer.CacheFileUrl(video.Uuid), BaseUrl = announcer.BaseUrl(video.Uuid), Size = EstimatedSize(video),
        };
        db.VideoRedundancies.Add(copy);
        await db.SaveChangesAsync(ct);
        LogChosen(video.Uuid, strategy);
        Enqueue(copy.Id);
        return copy;
    }

    /// <summary>Deletes the files and the row, then tells the others with an Undo (only if the copy had been announced).</summary>
    public async Task DropAsync(VideoRedundancy copy, string why, CancellationToken ct)
    {
        var video = copy.Video ?? await db.Videos.AsNoTracking().FirstAsync(v => v.Id == copy.VideoId, ct);
        var wasAnnounced = copy.State == RedundancyState.Ready;
        db.VideoRedundancies.Remove(copy);
        await db.SaveChangesAsync(ct);
        MirrorVideoJob.DeleteDirectory(MirrorVideoJob.Directory(paths, video.Uuid));
        LogDropped(video.Uuid, why);
        if (wasAnnounced)
        {
            await announcer.UndoAsync(video, copy.Url, copy.BaseUrl, ct);
        }
    }

    private void Enqueue(int redundancyId) =>
        jobs.Create<MirrorVideoJob>(j => j.RunAsync(redundancyId, CancellationToken.None), new EnqueuedState(JobsExtensions.DefaultQueue));

    private static long SizeOf(VideoRedundancy r) => r.State == RedundancyState.Ready || r.Video is null ? r.Size : Math.Max(r.Size, EstimatedSize(r.Video));

    private static long EstimatedSize(Video v) => v.StreamingPlaylist?.Files.Sum(f => f.Size) ?? 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Redundancy: copying video {Uuid} ({Strategy})")]
    private partial void LogChosen(Guid uuid, string strategy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redundancy: dropped the copy of video {Uuid}: {Why}")]
    private partial void LogDropped(Guid uuid, string why);
}
