using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// Which (video, IP) pairs were counted in the last <see cref="Window"/>. PeerTube keeps this in Redis, shared by its
/// nodes; here it lives in memory, per node, bounded: the worst a restart or a second node does is count a viewer twice.
/// </summary>
public sealed class RecentViewers(TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public const int Capacity = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(int VideoId, string Ip), DateTimeOffset> _until = [];

    /// <summary>True when this viewer was not counted for this video within the window (and is now).</summary>
    public bool TryCount(int videoId, string ip)
    {
        var now = clock.GetUtcNow();
        var key = (videoId, ip);
        lock (_gate)
        {
            if (_until.TryGetValue(key, out var until) && until > now)
            {
                return false;
            }

            if (_until.Count >= Capacity)
            {
                Evict(now);
            }

            _until[key] = now + Window;
            return true;
        }
    }

    /// <summary>Drops what has expired; when that is not enough (a flood of addresses), the oldest quarter too.</summary>
    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, until) in _until.Where(e => e.Value <= now).ToList())
        {
            _until.Remove(key);
        }

        if (_until.Count >= Capacity)
        {
            foreach (var (key, _) in _until.OrderBy(e => e.Value).Take(Capacity / 4).ToList())
            {
                _until.Remove(key);
            }
        }
    }
}

internal static class VideoViewsApi
{
    /// <summary>
    /// POST /api/v1/videos/{id}/views, body { currentTime, sessionId, viewEvent } (all optional): 204. One view per IP per
    /// video per hour, added with one UPDATE so that concurrent viewers never lose a count; and each call is the
    /// heartbeat of a viewer (its sessionId within its address) for the live viewer count (<see cref="VideoViewers"/>).
    /// </summary>
    public static async Task<Results<NoContent, BadRequestProblem, UnauthorizedProblem, ForbiddenProblem, NotFoundProblem>> AddViewAsync(string id, HttpContext http, ClaimsPrincipal principal, AppDbContext db, RecentViewers viewers,
        VideoViewers watching, CancellationToken ct)
    {
        // A view is a few bytes; anything big is not one.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = 16 * 1024;
        }

        var errors = new Dictionary<string, string>();
        var sessionId = await ReadBodyAsync(http.Request, errors, ct);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var video = await db.Videos.AsNoTracking().ById(id)
            .Select(v => new { v.Id, v.Privacy, OwnerId = v.Channel!.Account!.UserId })
            .FirstOrDefaultAsync(ct);
        if (video is null)
        {
            return ApiProblem.NotFound("Video not found.");
        }

        if (!VideoAccess.CanView(video.Privacy, video.OwnerId, principal))
        {
            if (principal.UserId() is null)
            {
                return ApiProblem.Unauthorized("Authentication is required to see this video.");
            }

            return ApiProblem.Forbidden("Cannot get this private video of another user.");
        }

        var ip = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        watching.AddLocal(video.Id, ip, sessionId);
        if (viewers.TryCount(video.Id, ip))
        {
            // Other instances hear of it in the next batch: a remote video's origin, or our video's followers.
            await db.Videos.Where(v => v.Id == video.Id).ExecuteUpdateAsync(s => s
                .SetProperty(v => v.Views, v => v.Views + 1)
                .SetProperty(v => v.LocalViews, v => v.LocalViews + 1)
                .SetProperty(v => v.PendingRemoteViews, v => v.PendingRemoteViews + 1), ct);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// The body is optional and read leniently (JSON of any content type, as navigator.sendBeacon sends text/plain, or a
    /// form); only a currentTime that is there and is not a number of seconds, 0 or more, or a sessionId that is not a
    /// short token, is an error. The sessionId, if any.
    /// </summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request, Dictionary<string, string> errors, CancellationToken ct)
    {
        string? raw;
        string? sessionId;
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            raw = form["currentTime"].ToString();
            sessionId = form["sessionId"].ToString();
        }
        else
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(ct);
            if (string.IsNullOrWhiteSpace(body))
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors["body"] = "Should be a JSON object.";
                    return null;
                }

                sessionId = json.RootElement.TryGetProperty("sessionId", out var session)
                    ? session.ValueKind == JsonValueKind.String ? session.GetString() : session.ValueKind == JsonValueKind.Null ? null : "\0"
                    : null;
                if (!json.RootElement.TryGetProperty("currentTime", out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    return ValidSession(sessionId, errors);
                }

                raw = value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.ValueKind == JsonValueKind.String ? value.GetString() : "x";
            }
            catch (JsonException)
            {
                errors["body"] = "Should be valid JSON.";
                return null;
            }
        }

        if (!string.IsNullOrEmpty(raw)
            && !(double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && double.IsFinite(seconds)))
        {
            errors["currentTime"] = "Should have a valid current time.";
        }

        return ValidSession(sessionId, errors);
    }

    /// <summary>A session id is what players make of it: up to 100 letters, digits, '-' and '_'.</summary>
    private static string? ValidSession(string? sessionId, Dictionary<string, string> errors)
    {
        if (string.IsNullOrEmpty(sessionId))
        {
            return null;
        }

        if (sessionId.Length <= 100 && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return sessionId;
        }

        errors["sessionId"] = "Should have a valid session id.";
        return null;
    }
}
