using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Rtmp;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// The RTMP ingest of this node and the lives streaming through it. A publish is accepted when its key belongs to a
/// live video waiting for a stream (state 4) and the instance and user limits allow one more; it then gets a session
/// row and one ffmpeg, whose HLS goes where VOD HLS goes. The video is published (state 1) once the master and media
/// playlists exist. When the publish ends, however it ends, the video goes to "ended" (5), or back to waiting (4) for
/// a permanent live, and its segments are removed; a live that saves its replay keeps them all while it streams, and
/// they move to SaveReplayJob's work folder in the commit that ends the session and queues the job. The database holds
/// the truth: at start, a live left published by a crash is ended the same way.
/// </summary>
internal sealed class LiveIngest(
    IServiceScopeFactory scopes,
    IOptions<LiveOptions> options,
    IOptions<LiveTranscodingOptions> transcoding,
    IOptions<LiveRtmpsOptions> rtmps,
    IOptions<RtmpOptions> rtmpOptions,
    IOptions<InstanceOptions> instance,
    StoragePaths paths,
    FfmpegTools tools,
    TranscodingProfile profile,
    TimeProvider clock,
    ILoggerFactory loggers) : IHostedService, IRtmpPublishAuthorizer
{
    public const string App = "live";

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FfmpegGrace = TimeSpan.FromSeconds(15);
    // Watcher polls between quota checks of a live that keeps its segments (every 5 s).
    private const int QuotaCheckTicks = 20;
    private readonly ILogger _log = loggers.CreateLogger<LiveIngest>();
    private readonly Lock _gate = new();

    // Video id → its stream; null while being set up (the slot is taken, so limits count it).
    private readonly Dictionary<int, LiveStream?> _streams = [];
    private readonly Dictionary<int, int?> _owners = [];
    private RtmpServer? _server;
    private RtmpServer? _rtmpsServer;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    /// <summary>Where the ingest listens (the port picked, when Live:Rtmp:Port is 0); null when live is disabled.</summary>
    public IPEndPoint? EndPoint => _server?.LocalEndPoint;

    /// <summary>Where the RTMPS ingest listens; null when Live:Rtmps is not enabled.</summary>
    public IPEndPoint? RtmpsEndPoint => _rtmpsServer?.LocalEndPoint;

    public int Streaming
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await EndInterruptedLivesAsync(cancellationToken);
        if (!options.Value.Enabled)
        {
            return;
        }

        _server = await StartServerAsync(rtmpOptions.Value, null, "Live:Rtmp:Port");
        if (rtmps.Value.Enabled)
        {
            // The same bounds as RTMP; only the port and the TLS handshake (within the handshake timeout) differ.
            _certificate = rtmps.Value.LoadCertificate();
            _rtmpsServer = await StartServerAsync(rtmpOptions.Value with { Port = rtmps.Value.Port }, _certificate, "Live:Rtmps:Port");
        }
    }

    private async Task<RtmpServer> StartServerAsync(RtmpOptions rtmp, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string portOption)
    {
        var server = new RtmpServer(rtmp, this, loggers.CreateLogger<RtmpServer>(), clock, certificate);
        try
        {
            server.Start();
        }
        catch (SocketException e)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException(
                $"The live ingest cannot listen on {portOption} {rtmp.Port}: {e.Message}. Choose another port, or set Live:Enabled to false.", e);
        }

        return server;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Every publish ends (ServerStopping) and each stream is ended through EndAsync before this returns.
        if (_rtmpsServer is { } secure)
        {
            await secure.DisposeAsync();
        }

        if (_server is { } server)
        {
            await server.DisposeAsync();
        }

        _certificate?.Dispose();
    }

    public async ValueTask<RtmpPublishDecision> AuthorizeAsync(RtmpPublishRequest request, CancellationToken ct)
    {
        if (request.App != App)
        {
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.UnknownKey, $"Unknown application '{request.App}'; stream to /{App}.");
        }

        if (request.StreamKey.Length is 0 or > 64)
        {
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.UnknownKey, "Unknown stream key.");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var live = await db.LiveVideos.AsNoTracking()
            .Where(l => l.StreamKey == request.StreamKey)
            .Where(l => l.Video!.RemoteUrl == null) // A federated live streams at its origin.
            .Select(l => new
            {
                l.VideoId, l.PermanentLive, l.LatencyMode, l.SaveReplay, l.ReplayPrivacy, l.Video!.Uuid, l.Video.State,
                OwnerUserId = l.Video.Channel!.Account!.UserId,
            })
            .FirstOrDefaultAsync(ct);
        if (live is null)
        {
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.UnknownKey, "Unknown stream key.");
        }

        if (live.State != VideoState.WaitingForLive)
        {
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.LiveNotWaiting, "This live is not waiting for a stream.");
        }

        var o = options.Value;
        lock (_gate)
        {
            if (_streams.ContainsKey(live.VideoId))
            {
                return RtmpPublishDecision.Refuse(RtmpRefusalReason.KeyInUse, "This live is already streaming.");
            }

            if (o.MaxInstanceLives >= 0 && _streams.Count >= o.MaxInstanceLives)
            {
                return RtmpPublishDecision.Refuse(RtmpRefusalReason.Denied, "The instance streams its maximum of simultaneous lives.");
            }

            if (o.MaxUserLives >= 0 && _owners.Values.Count(u => u == live.OwnerUserId) >= o.MaxUserLives)
            {
                return RtmpPublishDecision.Refuse(RtmpRefusalReason.Denied, "This user streams their maximum of simultaneous lives.");
            }

            _streams[live.VideoId] = null;
            _owners[live.VideoId] = live.OwnerUserId;
        }

        try
        {
            var session = new LiveSession
            {
                VideoId = live.VideoId, StartedAt = clock.GetUtcNow(), NodeId = instance.Value.NodeId,
                SaveReplay = live.SaveReplay, ReplayPrivacy = live.SaveReplay ? live.ReplayPrivacy : null,
            };
            db.LiveSessions.Add(session);
            await db.SaveChangesAsync(ct);

            var directory = paths.HlsDirectory(live.Uuid);
            DeleteDirectory(directory);
            Directory.CreateDirectory(directory);
            var stream = CreateStream(live.VideoId, live.Uuid, live.OwnerUserId, session, directory, live.PermanentLive, live.LatencyMode, live.SaveReplay);
            lock (_gate)
            {
                _streams[live.VideoId] = stream;
            }

            _ = WatchAsync(stream);
            _log.LogInformation("Live {VideoId} streaming (key {Key}, session {SessionId})", live.VideoId, LiveVideo.Redact(request.StreamKey), session.Id);
            return RtmpPublishDecision.Accept(stream);
        }
        catch
        {
            Release(live.VideoId);
            throw;
        }
    }

    /// <summary>The stream of an accepted publish; its ffmpeg starts with the publisher's first FLV tag (its metadata says the source's size).</summary>
    private LiveStream CreateStream(int videoId, Guid uuid, int? ownerUserId, LiveSession session, string directory, bool permanent, LiveLatencyMode mode,
        bool keepSegments) =>
        new(this, videoId, uuid, ownerUserId, session.Id, directory, permanent, keepSegments, clock.GetUtcNow(),
            source => StartFfmpeg(videoId, uuid, directory, mode, keepSegments, source));

    private LiveFfmpeg StartFfmpeg(int videoId, Guid uuid, string directory, LiveLatencyMode mode, bool keepSegments, FlvStreamInfo? source)
    {
        var plan = LiveArguments.Plan(source, profile, options.Value, transcoding.Value);
        var arguments = LiveArguments.Build(directory, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)), profile, mode, options.Value, plan,
            keepSegments);
        var start = new ProcessStartInfo(tools.FfmpegPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // One log per run, starting with the exact command line.
        var log = new StreamWriter(paths.FfmpegLog(uuid), append: false) { AutoFlush = true };
        log.WriteLine(string.Join(' ', arguments.Prepend(tools.FfmpegPath).Select(a => a.Contains(' ') ? $"\"{a}\"" : a)));
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start.");
        }
        catch
        {
            log.Dispose();
            throw;
        }

        _log.LogInformation("Live {VideoId}: source {Width}x{Height}, renditions {Renditions}{Copy}", videoId, source?.Width, source?.Height,
            string.Join(',', plan.Renditions.Select(r => r.Resolution)), plan.Copy ? " (copied)" : "");
        return new LiveFfmpeg(process, log, plan);
    }

    /// <summary>Keeps segments-sha256.json in step with the playlist, publishes the video once its playlists exist, and cuts a stream past Live:MaxDurationSeconds.</summary>
    private async Task WatchAsync(LiveStream stream)
    {
        var ct = stream.Ending.Token;
        var published = false;
        LiveSegmentHashes? hashes = null;
        var maxDuration = options.Value.MaxDurationSeconds;
        var ticks = 0;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(Poll, clock, ct);
                if (stream.Plan is { } plan)
                {
                    hashes ??= new LiveSegmentHashes(stream.HlsDirectory, plan.Renditions.Select(r => r.Playlist).ToList());
                    await hashes.UpdateAsync(ct);
                    if (!published && File.Exists(Path.Combine(stream.HlsDirectory, LiveArguments.MasterFilename))
                                   && plan.Renditions.All(r => File.Exists(Path.Combine(stream.HlsDirectory, r.Playlist))))
                    {
                        await PublishAsync(stream.VideoId, plan, ct);
                        published = true;
                    }
                }

                if (++ticks % QuotaCheckTicks == 0 && await ExceedsQuotaAsync(stream, ct))
                {
                    _log.LogInformation("Live {VideoId} cut: its replay exceeds the user's quota", stream.VideoId);
                    stream.Stop(LiveErrors.QuotaExceeded);
                    return;
                }

                if (maxDuration >= 0 && clock.GetUtcNow() - stream.StartedAt > TimeSpan.FromSeconds(maxDuration))
                {
                    _log.LogInformation("Live {VideoId} cut after Live:MaxDurationSeconds ({Seconds} s)", stream.VideoId, maxDuration);
                    stream.Stop(LiveErrors.DurationExceeded);
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
        catch (ObjectDisposedException)
        {
            // The stream ended while we looked.
        }
        catch (Exception e)
        {
            _log.LogError(e, "Live {VideoId}: publishing failed; the stream is cut", stream.VideoId);
            stream.Stop(LiveErrors.FfmpegError);
        }
    }

    private async Task PublishAsync(int videoId, LivePlan plan, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var video = await db.Videos.Include(v => v.StreamingPlaylist).FirstOrDefaultAsync(v => v.Id == videoId, ct);
        if (video is null)
        {
            return;
        }

        video.StreamingPlaylist ??= new VideoStreamingPlaylist
        {
            PlaylistFilename = LiveArguments.MasterFilename,
            SegmentsSha256Filename = LiveArguments.SegmentsSha256Filename,
        };
        // One swarm per rendition (Peers.SwarmIds), and the player's quality menu.
        video.StreamingPlaylist.LiveResolutions = plan.Renditions.Select(r => r.Resolution).ToList();
        video.State = VideoState.Published;
        video.PublishedAt = video.UpdatedAt = clock.GetUtcNow();
        var events = scope.ServiceProvider.GetRequiredService<IVideoEvents>(); // Followers hear it streams (an Update, with the live HLS).
        events.Record(videoId, VideoChange.Updated);
        await db.SaveChangesAsync(ct);
        await RaiseAsync(events, videoId, ct);
        _log.LogInformation("Live {VideoId} published", videoId);
    }

    /// <summary>The publish ended: ffmpeg finishes, the session is closed, the video ends or waits again, the segments go.</summary>
    internal async Task EndAsync(LiveStream stream, RtmpPublishEnd end)
    {
        try
        {
            await stream.Ending.CancelAsync();
            var exitCode = await stream.FinishAsync(FfmpegGrace);
            var error = stream.StopError
                        ?? (end.Reason == RtmpPublishEndReason.Dropped ? (int?)LiveErrors.BadSocketHealth : null)
                        ?? (exitCode is 0 ? null : (int?)LiveErrors.FfmpegError);

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = clock.GetUtcNow();
            // The session ends, and its replay is queued, in one commit.
            await using var transaction = await db.Database.BeginTransactionAsync();
            await db.LiveSessions.Where(s => s.Id == stream.SessionId)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.Error, error));
            var video = await db.Videos.Include(v => v.StreamingPlaylist).FirstOrDefaultAsync(v => v.Id == stream.VideoId);
            var events = scope.ServiceProvider.GetRequiredService<IVideoEvents>();
            if (video is not null)
            {
                video.State = stream.Permanent ? VideoState.WaitingForLive : VideoState.LiveEnded;
                video.UpdatedAt = now;
                if (video.StreamingPlaylist is { } playlist)
                {
                    db.StreamingPlaylists.Remove(playlist);
                }

                if (stream.KeepsSegments)
                {
                    KeepReplay(scope.ServiceProvider, stream.HlsDirectory, stream.SessionId);
                }

                events.Record(video.Id, VideoChange.Updated); // Followers hear it ended or waits again.
                await db.SaveChangesAsync();
            }

            await transaction.CommitAsync();
            await RaiseAsync(events, stream.VideoId, CancellationToken.None);
            DeleteDirectory(stream.HlsDirectory);
            _log.LogInformation("Live {VideoId} ended ({Reason}, {Tags} FLV tags in {Duration}, ffmpeg exit {Exit}, error {Error})",
                stream.VideoId, end.Reason, end.FlvTags, end.Duration, exitCode, error);
        }
        catch (Exception e)
        {
            // Nothing above the RTMP session would hear it; the next start ends this live (EndInterruptedLivesAsync).
            _log.LogError(e, "Live {VideoId}: ending the stream failed", stream.VideoId);
        }
        finally
        {
            Release(stream.VideoId);
        }
    }

    /// <summary>Lives left published by a stop or crash of this node have no stream any more: they end (or wait again).
    /// Those whose open session belongs to another node (Instance:NodeId) are that node's.</summary>
    private async Task EndInterruptedLivesAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        // Ours, or of no node: a live another node streams is left to it.
        var node = instance.Value.NodeId;
        var stuck = await db.Videos.Include(v => v.StreamingPlaylist)
            .Where(v => v.IsLive && v.RemoteUrl == null && v.State == VideoState.Published)
            .Where(v => !db.Set<LiveSession>().Any(s => s.VideoId == v.Id && s.EndedAt == null && s.NodeId != null && s.NodeId != node))
            .ToListAsync(ct);
        if (stuck.Count == 0)
        {
            return;
        }

        var ids = stuck.Select(v => v.Id).ToList();
        var permanent = await db.LiveVideos.Where(l => ids.Contains(l.VideoId) && l.PermanentLive).Select(l => l.VideoId).ToListAsync(ct);
        var open = await db.LiveSessions.Where(s => ids.Contains(s.VideoId) && s.EndedAt == null).ToListAsync(ct);
        var now = clock.GetUtcNow();
        foreach (var video in stuck)
        {
            video.State = permanent.Contains(video.Id) ? VideoState.WaitingForLive : VideoState.LiveEnded;
            video.UpdatedAt = now;
            if (video.StreamingPlaylist is { } playlist)
            {
                db.StreamingPlaylists.Remove(playlist);
            }

            EndInterruptedSessions(scope.ServiceProvider, open.Where(s => s.VideoId == video.Id), paths.HlsDirectory(video.Uuid), now);
            DeleteDirectory(paths.HlsDirectory(video.Uuid));
        }

        // The sessions end, their replays are queued and followers are told, with the videos.
        var events = scope.ServiceProvider.GetRequiredService<IVideoEvents>();
        foreach (var video in stuck)
        {
            events.Record(video.Id, VideoChange.Updated);
        }

        await db.SaveChangesAsync(ct);
        // A failure to announce must not stop the boot: the records committed, and their replay job sends them.
        await RaiseAsync(events, stuck[0].Id, ct);
        _log.LogWarning("Ended {Count} live(s) interrupted by a stop of the server", stuck.Count);
    }

    private void EndInterruptedSessions(IServiceProvider services, IEnumerable<LiveSession> sessions, string hlsDirectory, DateTimeOffset now)
    {
        foreach (var session in sessions)
        {
            session.EndedAt = now;
            session.Error = LiveErrors.FfmpegError;
            if (session.SaveReplay)
            {
                // What ffmpeg wrote before the stop is a replay like any other.
                KeepReplay(services, hlsDirectory, session.Id);
            }
        }
    }

    /// <summary>The kept segments of a session that saves its replay leave the live's folder, and SaveReplayJob is queued in the caller's commit.</summary>
    private void KeepReplay(IServiceProvider services, string hlsDirectory, int sessionId) =>
        SaveReplayJob.KeepSegmentsAndQueue(paths, services.GetRequiredService<TransactionalJobs>(), hlsDirectory, sessionId);

    /// <summary>
    /// PeerTube's quota rule for replays, while the stream runs: once the kept segments no longer fit in what the owner
    /// may still upload, the stream is cut (error 3). SaveReplayJob checks the assembled file again.
    /// </summary>
    private async Task<bool> ExceedsQuotaAsync(LiveStream stream, CancellationToken ct)
    {
        if (!stream.KeepsSegments || stream.OwnerUserId is not { } owner || !Directory.Exists(stream.HlsDirectory))
        {
            return false;
        }

        var kept = new DirectoryInfo(stream.HlsDirectory).EnumerateFiles("*.mp4").Sum(f => f.Length);
        await using var scope = scopes.CreateAsyncScope();
        var allowance = await scope.ServiceProvider.GetRequiredService<Uploads.VideoIntake>().AllowanceAsync(owner, ct);
        return !allowance.FitsQuota(kept);
    }

    /// <summary>
    /// Runs the handlers of a recorded state change (federation's Update). Their failure must not cut or half-end a
    /// stream: the record committed with the change, so its replay job runs them later.
    /// </summary>
    private async Task RaiseAsync(IVideoEvents events, int videoId, CancellationToken ct)
    {
        try
        {
            await events.RaiseRecordedAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogWarning(e, "Live {VideoId}: announcing its new state failed; its record replays it", videoId);
        }
    }

    /// <summary>Cuts the stream of a live, if it streams on this node (its video was deleted).</summary>
    public void Stop(int videoId)
    {
        LiveStream? stream;
        lock (_gate)
        {
            stream = _streams.GetValueOrDefault(videoId);
        }

        stream?.Stop(LiveErrors.FfmpegError);
    }

    private void Release(int videoId)
    {
        lock (_gate)
        {
            _streams.Remove(videoId);
            _owners.Remove(videoId);
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A file still open (a response being sent); the next stream clears the folder first.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>PeerTube's LiveVideoError values, as the sessions endpoint shows them.</summary>
public static class LiveErrors
{
    public const int BadSocketHealth = 1;
    public const int DurationExceeded = 2;
    public const int QuotaExceeded = 3;
    public const int FfmpegError = 4;
}
