using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// PeerTube's live endpoints: create a live (the fields of an upload plus the live's own), read and change its settings,
/// list its sessions. The stream key and RTMP URLs are for the owner and admins only.
/// </summary>
internal static class LiveApi
{
    /// <summary>A live's creation or update is a few fields: a larger body is refused before it is read.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapLiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/videos/live").WithTags("Live").DisableAntiforgery().RequireAuthorization();
        api.MapPost("", CreateAsync)
            .WithSummary("Create a live")
            .WithDescription("The fields of an upload, plus `saveReplay`, `replaySettings.privacy`, `permanentLive` and `latencyMode`. "
                + "With `saveReplay`, every segment of a stream is kept and becomes a replay when it ends: a normal live turns into its "
                + "replay (transcoded like an upload, with the replay privacy); a permanent live gets a new video per stream.");
        api.MapGet("/{id}", GetAsync);
        api.MapPut("/{id}", UpdateAsync)
            .WithSummary("Update a live's settings")
            .WithDescription("`saveReplay`, `replaySettings.privacy`, `permanentLive`, `latencyMode`; a stream already running keeps the "
                + "replay settings it started with (they are the session's).");
        api.MapGet("/{id}/sessions", ListSessionsAsync)
            .WithSummary("List the sessions of a live")
            .WithDescription("One session per stream, newest first: start, end, PeerTube's error (1 bad socket health, 2 duration exceeded, "
                + "3 quota exceeded, 4 ffmpeg error), and, when the live saves its replay, `saveReplay`, `replaySettings` and `replayVideo` "
                + "(`id`, `uuid`, `shortUUID`) once the replay is made. A normal live that saved its replay is no longer a live: "
                + "read its session with `GET /api/v1/videos/{id}/live-session`.");
        app.MapGet("/api/v1/videos/{id}/live-session", GetReplaySessionAsync).WithTags("Live")
            .WithSummary("Get the live session of a replay")
            .WithDescription("The session a replay video was made of. When a live with `saveReplay` ends, its kept segments become a "
                + "replay: a normal live turns into that replay (same video, `isLive` false, the replay privacy, transcoded like an upload); "
                + "a permanent live gets a new video per session in the same channel and waits for its next stream. 404 when the video "
                + "is not a replay or the caller may not see it.");
        return app;
    }

    private sealed record LiveFields(bool? SaveReplay, int? ReplayPrivacy, bool? PermanentLive, int? LatencyMode);

    private static async Task<Results<Ok<LiveCreatedDto>, BadRequestProblem, ForbiddenProblem>> CreateAsync(HttpContext http, ClaimsPrincipal principal,
        AppDbContext db, IOptions<LiveOptions> options, IVideoEvents events, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return ApiProblem.Forbidden("Live is not enabled on this instance.", "live_not_enabled");
        }

        var me = principal.UserId()!.Value;
        var errors = new Dictionary<string, string>();
        var (metadata, fields) = await ReadBodyAsync(http.Request, errors, ct);
        metadata.Validate(errors);
        var latency = ValidateLiveFields(fields, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var channel = await VideoAccess.ChannelOfAsync(db, metadata.ChannelId, me, ct);

        // PeerTube counts the lives that have not ended (waiting or streaming) against both limits.
        var notEnded = db.Videos.Where(v => v.IsLive && v.RemoteUrl == null && v.State != VideoState.LiveEnded);
        if (o.MaxInstanceLives >= 0 && await notEnded.CountAsync(ct) >= o.MaxInstanceLives)
        {
            return ApiProblem.Forbidden("Cannot create this live because the max instance lives limit is reached.", "max_instance_lives_limit_reached");
        }

        if (o.MaxUserLives >= 0 && await notEnded.CountAsync(v => v.Channel!.Account!.UserId == me, ct) >= o.MaxUserLives)
        {
            return ApiProblem.Forbidden("Cannot create this live because the max user lives limit is reached.", "max_user_lives_limit_reached");
        }

        var now = clock.GetUtcNow();
        var video = new Video
        {
            Uuid = Guid.NewGuid(),
            Name = metadata.Name!.Trim(),
            Description = metadata.Description,
            Support = metadata.Support,
            ChannelId = channel.Id,
            Privacy = (VideoPrivacy)(metadata.Privacy ?? (int)VideoPrivacy.Public),
            Category = metadata.Category,
            Licence = metadata.Licence,
            Language = metadata.Language,
            Tags = metadata.Tags ?? [],
            Nsfw = metadata.Nsfw ?? false,
            DownloadEnabled = metadata.DownloadEnabled ?? true,
            CommentsPolicy = metadata.CommentsPolicy ?? (metadata.CommentsEnabled is false ? 2 : 1),
            OriginallyPublishedAt = metadata.OriginallyPublishedAt,
            IsLive = true,
            State = VideoState.WaitingForLive,
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = now,
        };
        var live = new LiveVideo
        {
            Video = video,
            StreamKey = LiveVideo.NewStreamKey(),
            SaveReplay = fields.SaveReplay ?? false,
            ReplayPrivacy = fields.SaveReplay is true ? (VideoPrivacy)(fields.ReplayPrivacy ?? (int)video.Privacy) : null,
            PermanentLive = fields.PermanentLive ?? false,
            LatencyMode = latency ?? LiveLatencyMode.Default,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Videos.Add(video);
        if (video.Privacy == VideoPrivacy.PasswordProtected)
        {
            foreach (var password in metadata.VideoPasswords ?? [])
            {
                db.VideoPasswords.Add(new VideoPassword { Video = video, Password = password, CreatedAt = now, UpdatedAt = now });
            }
        }

        db.LiveVideos.Add(live);
        // Followers hear of a live from its creation (PeerTube's Create of a live waiting for its stream): the record
        // commits with the video, which needs its id first.
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db.SaveChangesAsync(ct);
            events.Record(video.Id, VideoChange.Published);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        await events.RaiseRecordedAsync(ct);
        loggers.CreateLogger("PeerTube.Net.Live").LogInformation("Live {VideoId} created by user {UserId} (key {Key})", video.Id, me, LiveVideo.Redact(live.StreamKey));
        return TypedResults.Ok(new LiveCreatedDto(new LiveCreatedVideoDto(video.Id, video.Uuid, ShortUuid.FromGuid(video.Uuid))));
    }

    private static async Task<Results<Ok<LiveDto>, ForbiddenProblem, NotFoundProblem>> GetAsync(string id, ClaimsPrincipal principal, AppDbContext db,
        IOptions<LiveOptions> options, IOptions<RtmpOptions> rtmp, IOptions<LiveRtmpsOptions> rtmps, IOptions<InstanceOptions> instance, LiveIngest ingest,
        CancellationToken ct)
    {
        var (live, problem) = await FindManageableAsync(id, principal, db, ct);
        if (live is null)
        {
            return problem!.Status == 404 ? (NotFoundProblem)problem : (ForbiddenProblem)problem;
        }

        var host = options.Value.PublicRtmpHost is { Length: > 0 } h ? h : instance.Value.BaseUri.Host;
        var port = ingest.EndPoint?.Port ?? rtmp.Value.Port;
        var rtmpUrl = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[')
            ? $"rtmp://{host}/{LiveIngest.App}"
            : $"rtmp://{host}:{port.ToString(CultureInfo.InvariantCulture)}/{LiveIngest.App}";
        // PeerTube's rtmpsUrl: the same host on the RTMPS port, null when RTMPS is off.
        var rtmpsUrl = rtmps.Value.Enabled
            ? $"rtmps://{HostOnly(host)}:{(ingest.RtmpsEndPoint?.Port ?? rtmps.Value.Port).ToString(CultureInfo.InvariantCulture)}/{LiveIngest.App}"
            : null;
        return TypedResults.Ok(new LiveDto(
            rtmpUrl,
            rtmpsUrl,
            live.StreamKey,
            live.SaveReplay,
            live.ReplayPrivacy is { } p ? new ReplaySettingsDto((int)p) : null,
            live.PermanentLive,
            (int)live.LatencyMode));
    }

    /// <summary>Live:PublicRtmpHost may carry the RTMP port ("host:port", "[v6]:port"); the RTMPS URL has its own.</summary>
    private static string HostOnly(string host)
    {
        if (host.StartsWith('['))
        {
            var end = host.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? host[..(end + 1)] : host;
        }

        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && host.IndexOf(':', colon + 1) < 0 ? host[..colon] : host;
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UpdateAsync(string id, HttpContext http,
        ClaimsPrincipal principal, AppDbContext db, IOptions<LiveOptions> options, IVideoEvents events, TimeProvider clock, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return ApiProblem.Forbidden("Live is not enabled on this instance.", "live_not_enabled");
        }

        var (live, problem) = await FindManageableAsync(id, principal, db, ct);
        if (live is null)
        {
            return problem!.Status == 404 ? (NotFoundProblem)problem : (ForbiddenProblem)problem;
        }

        var errors = new Dictionary<string, string>();
        var fields = await BoundedAsync(http.Request, () => ReadLiveFieldsAsync(http.Request, errors, ct));
        var latency = ValidateLiveFields(fields, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        live.SaveReplay = fields.SaveReplay ?? live.SaveReplay;
        live.PermanentLive = fields.PermanentLive ?? live.PermanentLive;
        live.LatencyMode = latency ?? live.LatencyMode;
        live.ReplayPrivacy = !live.SaveReplay ? null
            : fields.ReplayPrivacy is { } privacy ? (VideoPrivacy)privacy
            : live.ReplayPrivacy ?? live.Video!.Privacy;
        live.UpdatedAt = clock.GetUtcNow();
        // The settings are in the Video object (liveSaveReplay, permanentLive, latencyMode): followers get an Update.
        live.Video!.UpdatedAt = live.UpdatedAt;
        events.Record(live.VideoId, VideoChange.Updated);
        await db.SaveChangesAsync(ct);
        await events.RaiseRecordedAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ListPage<LiveSessionDto>>, ForbiddenProblem, NotFoundProblem>> ListSessionsAsync(string id,
        ClaimsPrincipal principal, AppDbContext db, CancellationToken ct)
    {
        var (live, problem) = await FindManageableAsync(id, principal, db, ct);
        if (live is null)
        {
            return problem!.Status == 404 ? (NotFoundProblem)problem : (ForbiddenProblem)problem;
        }

        // Bounded: the latest 100, as PeerTube lists them (newest first).
        var sessions = await db.LiveSessions.AsNoTracking().Include(s => s.ReplayVideo).Where(s => s.VideoId == live.VideoId)
            .OrderByDescending(s => s.Id).Take(100).ToListAsync(ct);
        var total = await db.LiveSessions.CountAsync(s => s.VideoId == live.VideoId, ct);
        return TypedResults.Ok(new ListPage<LiveSessionDto>(total,
            sessions.Select(s => LiveSessionDto.Of(s, s.ReplayVideo)).ToList()));
    }

    /// <summary>PeerTube's "live session of a replay": anyone who may see the replay may read it.</summary>
    private static async Task<Results<Ok<LiveSessionDto>, NotFoundProblem>> GetReplaySessionAsync(string id, ClaimsPrincipal principal, AppDbContext db,
        CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().ById(id).Select(v => new { v.Id, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId })
            .FirstOrDefaultAsync(ct);
        if (video is null || !VideoAccess.CanView(video.Privacy, video.OwnerUserId, principal))
        {
            return ApiProblem.NotFound("Video not found.");
        }

        var session = await db.LiveSessions.AsNoTracking().Include(s => s.ReplayVideo).Where(s => s.ReplayVideoId == video.Id)
            .OrderByDescending(s => s.Id).FirstOrDefaultAsync(ct);
        return session is null ? ApiProblem.NotFound("No live replay found for this video.") : TypedResults.Ok(LiveSessionDto.Of(session, session.ReplayVideo));
    }

    /// <summary>The live of a local video that the principal may manage (owner or admin); else 404 or 403.</summary>
    private static async Task<(LiveVideo? Live, ApiProblem? Problem)> FindManageableAsync(string id, ClaimsPrincipal principal, AppDbContext db,
        CancellationToken ct)
    {
        var video = await db.Videos.AsNoTracking().ById(id).Select(v => new { v.Id, v.IsLive, v.Privacy, OwnerUserId = v.Channel!.Account!.UserId, v.RemoteUrl })
            .FirstOrDefaultAsync(ct);
        if (video is null || !video.IsLive)
        {
            return (null, ApiProblem.NotFound("Live video not found."));
        }

        if (video.RemoteUrl is not null)
        {
            // A federated live is its origin's to manage, even for our admins (its stream key here is a placeholder).
            return (null, ApiProblem.Forbidden("Cannot manage a live of another instance."));
        }

        if (!VideoAccess.IsOwnerOrAdmin(video.OwnerUserId, principal))
        {
            // A private live of another user stays unknown; anyone else's live is known but not theirs to see.
            return VideoAccess.CanView(video.Privacy, video.OwnerUserId, principal)
                ? (null, ApiProblem.Forbidden("Cannot manage a live of another user."))
                : (null, ApiProblem.NotFound("Live video not found."));
        }

        var live = await db.LiveVideos.Include(l => l.Video).FirstOrDefaultAsync(l => l.VideoId == video.Id, ct);
        return live is null ? (null, ApiProblem.NotFound("Live video not found.")) : (live, null);
    }

    private static LiveLatencyMode? ValidateLiveFields(LiveFields fields, Dictionary<string, string> errors)
    {
        if (fields.LatencyMode is { } mode && !Enum.IsDefined((LiveLatencyMode)mode))
        {
            errors["latencyMode"] = "Should have a valid latency mode (1 default, 2 high latency, 3 small latency).";
        }

        if (fields.ReplayPrivacy is { } privacy && !Enum.IsDefined((VideoPrivacy)privacy))
        {
            errors["replaySettings.privacy"] = "Should have correct replay privacy.";
        }

        return fields.LatencyMode is { } m && Enum.IsDefined((LiveLatencyMode)m) ? (LiveLatencyMode)m : null;
    }

    /// <summary>The upload's fields (VideoUploadMetadata) and the live's own, from the same JSON or form body.</summary>
    private static Task<(VideoUploadMetadata Metadata, LiveFields Fields)> ReadBodyAsync(HttpRequest request, Dictionary<string, string> errors,
        CancellationToken ct) =>
        BoundedAsync(request, async () =>
        {
            var metadata = await VideoUploadMetadata.ReadAsync(request, errors, ct);
            request.Body.Position = 0;
            return (metadata, await ReadLiveFieldsAsync(request, errors, ct));
        });

    /// <summary>Reads the body at most <see cref="MaxBodyBytes"/> long (chunked bodies too), buffered so it can be read twice.</summary>
    private static async Task<T> BoundedAsync<T>(HttpRequest request, Func<Task<T>> read)
    {
        EnsureBounded(request);
        request.EnableBuffering(MaxBodyBytes, MaxBodyBytes);
        try
        {
            return await read();
        }
        catch (IOException)
        {
            throw new ApiProblemException(new ApiProblem(413, $"The body is larger than {MaxBodyBytes} bytes.", "payload_too_large"));
        }
    }

    private static async Task<LiveFields> ReadLiveFieldsAsync(HttpRequest request, Dictionary<string, string> errors, CancellationToken ct)
    {
        EnsureBounded(request);
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            string? One(params string[] keys) => keys.Select(k => form[k].ToString()).FirstOrDefault(v => v.Length > 0);
            return new LiveFields(
                Bool(One("saveReplay"), "saveReplay", errors),
                Int(One("replaySettings[privacy]", "replaySettings.privacy"), "replaySettings.privacy", errors),
                Bool(One("permanentLive"), "permanentLive", errors),
                Int(One("latencyMode"), "latencyMode", errors));
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 8 }, ct);
        }
        catch (JsonException e)
        {
            throw new ApiProblemException(ApiProblem.BadRequest($"The body is not valid JSON: {e.Message}", "invalid_json"));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ApiProblemException(ApiProblem.BadRequest("The body must be a JSON object.", "invalid_json"));
            }

            string? Prop(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null
                ? p.ValueKind == JsonValueKind.String ? p.GetString() : p.GetRawText()
                : null;
            var replay = root.TryGetProperty("replaySettings", out var r) ? r : default;
            return new LiveFields(
                Bool(Prop(root, "saveReplay"), "saveReplay", errors),
                Int(Prop(replay, "privacy"), "replaySettings.privacy", errors),
                Bool(Prop(root, "permanentLive"), "permanentLive", errors),
                Int(Prop(root, "latencyMode"), "latencyMode", errors));
        }
    }

    private static void EnsureBounded(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiProblemException(new ApiProblem(413, $"The body is larger than {MaxBodyBytes} bytes.", "payload_too_large"));
        }
    }

    private static bool? Bool(string? value, string field, Dictionary<string, string> errors)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "":
                return null;
            case "true" or "1" or "on" or "yes":
                return true;
            case "false" or "0" or "off" or "no":
                return false;
            default:
                errors[field] = $"Should have a valid {field} boolean.";
                return null;
        }
    }

    private static int? Int(string? value, string field, Dictionary<string, string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            return i;
        }

        errors[field] = $"Should have a valid {field}.";
        return null;
    }
}

public sealed record LiveCreatedDto(LiveCreatedVideoDto Video);

public sealed record LiveCreatedVideoDto(int Id, Guid Uuid, string ShortUUID);

/// <summary>PeerTube's LiveVideo JSON, for the owner and admins.</summary>
public sealed record LiveDto(string RtmpUrl, string? RtmpsUrl, string StreamKey, bool SaveReplay, ReplaySettingsDto? ReplaySettings, bool PermanentLive,
    int LatencyMode);

public sealed record ReplaySettingsDto(int Privacy);

/// <summary>PeerTube's LiveVideoSession JSON.</summary>
public sealed record LiveSessionDto(int Id, DateTimeOffset StartDate, DateTimeOffset? EndDate, int? Error, bool SaveReplay, ReplaySettingsDto? ReplaySettings,
    LiveReplayVideoDto? ReplayVideo)
{
    public static LiveSessionDto Of(LiveSession s, Video? replay) => new(s.Id, s.StartedAt, s.EndedAt, s.Error, s.SaveReplay,
        s.SaveReplay && s.ReplayPrivacy is { } p ? new ReplaySettingsDto((int)p) : null,
        replay is null ? null : new LiveReplayVideoDto(replay.Id, replay.Uuid, ShortUuid.FromGuid(replay.Uuid)));
}

/// <summary>The video a session became (PeerTube's replayVideo).</summary>
public sealed record LiveReplayVideoDto(int Id, Guid Uuid, string ShortUUID);
