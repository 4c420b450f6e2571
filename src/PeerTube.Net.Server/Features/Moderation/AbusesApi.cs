using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Engagement;
using PeerTube.Net.Server.Features.Moderation.Log;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>
/// PeerTube's abuse reports: anyone signed in reports a video, a comment or an account; moderators list them and
/// accept or reject them; a report of another instance's content is also sent to that instance as a Flag.
/// </summary>
public static class AbusesApi
{
    public static readonly IReadOnlyList<string> PredefinedReasons =
        ["violentOrRepulsive", "hatefulOrAbusive", "spamOrMisleading", "privacy", "rights", "serverRules", "thumbnails", "captions"];

    private static readonly HashSet<string> SortColumns = ["createdAt", "id", "state"];

    public static IEndpointRouteBuilder MapAbusesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Abuses").RequireAuthorization().DisableAntiforgery();
        api.MapPost("/abuses", ReportAsync);
        api.MapGet("/abuses", (HttpRequest r, ClaimsPrincipal p, AppDbContext db, IBlockedVideos b, IOptions<InstanceOptions> i, CancellationToken ct) =>
            p.IsModeratorOrAdmin() ? ListAsync(r, db.Abuses, b, i.Value, ct) : Task.FromResult<IResult>(ApiProblem.Forbidden("Only moderators see reports.")));
        api.MapGet("/users/me/abuses", (HttpRequest r, ClaimsPrincipal p, AppDbContext db, IBlockedVideos b, IOptions<InstanceOptions> i, CancellationToken ct) =>
            ListAsync(r, db.Abuses.Where(a => a.ReporterAccount!.UserId == p.UserId()), b, i.Value, ct, reporter: p));
        api.MapPut("/abuses/{id:int}", UpdateAsync);
        api.MapDelete("/abuses/{id:int}", async (int id, ClaimsPrincipal p, AppDbContext db, CancellationToken ct) =>
        {
            if (!p.IsModeratorOrAdmin())
            {
                return ApiProblem.Forbidden("Only moderators delete reports.");
            }

            return await db.Abuses.Where(a => a.Id == id).ExecuteDeleteAsync(ct) > 0 ? TypedResults.NoContent() : (IResult)ApiProblem.NotFound("Abuse not found.");
        });
        return app;
    }

    /// <summary>Body: { reason, predefinedReasons?, video?: { id, startAt?, endAt? }, comment?: { id }, account?: { id } }, exactly one target.</summary>
    private static async Task<IResult> ReportAsync(HttpRequest request, ClaimsPrincipal principal, AppDbContext db, AbuseFederation federation,
        TimeProvider clock, CancellationToken ct)
    {
        JsonDocument doc;
        try
        {
            doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
        }
        catch (JsonException)
        {
            return ApiProblem.BadRequest("The body must be JSON: { \"reason\": …, \"video\": { \"id\": … } }.");
        }

        using var _ = doc;
        var root = doc.RootElement;
        var errors = new Dictionary<string, string>();
        var reason = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()!.Trim() : "";
        if (reason.Length is < 2 or > 3000)
        {
            errors["reason"] = "Should have a valid reason (2 to 3000 characters).";
        }

        var predefined = new List<string>();
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("predefinedReasons", out var p) && p.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in p.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !PredefinedReasons.Contains(item.GetString()!))
                {
                    errors["predefinedReasons"] = "Should have valid predefined reasons: " + string.Join(", ", PredefinedReasons) + ".";
                }
                else
                {
                    predefined.Add(item.GetString()!);
                }
            }
        }

        var targets = new[] { "video", "comment", "account" }
            .Where(t => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(t, out var o) && o.ValueKind == JsonValueKind.Object).ToList();
        if (targets.Count != 1)
        {
            errors["video"] = "Report exactly one of video, comment or account.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        var target = root.GetProperty(targets[0]);
        var targetId = target.TryGetProperty("id", out var idElement) ? idElement.ToString() : "";
        var reporter = await db.Accounts.AsNoTracking().FirstAsync(a => a.UserId == principal.UserId(), ct);
        var now = clock.GetUtcNow();
        var abuse = new Abuse { Reason = reason, PredefinedReasons = string.Join(',', predefined), ReporterAccountId = reporter.Id, CreatedAt = now, UpdatedAt = now };
        switch (targets[0])
        {
            case "video":
                var video = await db.Videos.AsNoTracking().Include(v => v.Channel).ById(targetId).FirstOrDefaultAsync(ct);
                if (video is null || !VideoAccess.CanView(video.Privacy, await OwnerUserIdAsync(db, video.Channel!.AccountId, ct), principal))
                {
                    return ApiProblem.NotFound("Video not found.");
                }

                abuse.VideoId = video.Id;
                abuse.FlaggedAccountId = video.Channel!.AccountId;
                abuse.StartAt = Seconds(target, "startAt");
                abuse.EndAt = Seconds(target, "endAt");
                break;
            case "comment":
                var comment = int.TryParse(targetId, NumberStyles.None, CultureInfo.InvariantCulture, out var commentId)
                    ? await db.VideoComments.AsNoTracking().Include(c => c.Video!).ThenInclude(v => v.Channel)
                        .FirstOrDefaultAsync(c => c.Id == commentId && c.DeletedAt == null, ct)
                    : null;
                // A comment under a video the reporter cannot watch is as unknown to them as the video.
                if (comment is null
                    || !VideoAccess.CanView(comment.Video!.Privacy, await OwnerUserIdAsync(db, comment.Video.Channel!.AccountId, ct), principal))
                {
                    return ApiProblem.NotFound("Video comment not found.");
                }

                abuse.CommentId = comment.Id;
                abuse.FlaggedAccountId = comment.AccountId;
                break;
            default:
                var account = int.TryParse(targetId, NumberStyles.None, CultureInfo.InvariantCulture, out var accountId)
                    ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId, ct)
                    : null;
                if (account is null)
                {
                    return ApiProblem.NotFound("Account not found.");
                }

                abuse.FlaggedAccountId = account.Id;
                break;
        }

        if (abuse.FlaggedAccountId == reporter.Id)
        {
            return ApiProblem.BadRequest("You cannot report your own content.", "cannot_report_self");
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            db.Abuses.Add(abuse);
            await db.SaveChangesAsync(ct);
            federation.Reported(abuse.Id);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        return TypedResults.Ok(new { abuse = new { id = abuse.Id } });
    }

    private static Task<int?> OwnerUserIdAsync(AppDbContext db, int accountId, CancellationToken ct) =>
        db.Accounts.Where(a => a.Id == accountId).Select(a => a.UserId).FirstOrDefaultAsync(ct);

    private static int? Seconds(JsonElement target, string name) =>
        target.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var s) && s >= 0 ? s : null;

    /// <summary>Moderators: { state: 2 (rejected) | 3 (accepted), moderationComment }.</summary>
    private static async Task<IResult> UpdateAsync(int id, HttpRequest request, ClaimsPrincipal principal, AppDbContext db, ModerationLog log, TimeProvider clock, CancellationToken ct)
    {
        if (!principal.IsModeratorOrAdmin())
        {
            return ApiProblem.Forbidden("Only moderators manage reports.");
        }

        var fields = await EngagementFeature.ReadFieldsAsync(request, ct);
        if (fields is null)
        {
            return ApiProblem.BadRequest("The body must be JSON: { \"state\": 3, \"moderationComment\": … }.");
        }

        var abuse = await db.Abuses.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (abuse is null)
        {
            return ApiProblem.NotFound("Abuse not found.");
        }

        if (fields.TryGetValue("state", out var stateText))
        {
            if (!int.TryParse(stateText, NumberStyles.None, CultureInfo.InvariantCulture, out var state) || !Enum.IsDefined((AbuseState)state))
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["state"] = "Should have a valid abuse state: 1, 2 or 3." });
            }

            abuse.State = (AbuseState)state;
        }

        if (fields.TryGetValue("moderationComment", out var comment))
        {
            abuse.ModerationComment = comment is { Length: > 3000 } ? comment[..3000] : comment;
        }

        abuse.UpdatedAt = clock.GetUtcNow();
        log.Record(principal, "abuse-update", $"abuse {abuse.Id}", $"state {(int)abuse.State} ({abuse.State})"
            + (abuse.ModerationComment is { Length: > 0 } note ? $": {note}" : ""));
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    /// <param name="reporter">Set for the reporter's own view: what they cannot watch (now) is not echoed back to them.</param>
    private static async Task<IResult> ListAsync(HttpRequest request, IQueryable<Abuse> abuses, IBlockedVideos blockedVideos, InstanceOptions instance, CancellationToken ct,
        ClaimsPrincipal? reporter = null)
    {
        var page = ListQuery.Read(request, SortColumns, "-createdAt");
        var query = abuses.AsNoTracking();
        var q = request.Query;
        if (q["state"].ToString() is { Length: > 0 } stateText
            && int.TryParse(stateText, NumberStyles.None, CultureInfo.InvariantCulture, out var state))
        {
            query = query.Where(a => (int)a.State == state);
        }

        // PeerTube's admin filters.
        if (q["id"].ToString() is { Length: > 0 } idText && int.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var abuseId))
        {
            query = query.Where(a => a.Id == abuseId);
        }

        if (q["predefinedReason"].ToString() is { Length: > 0 } predefined)
        {
            if (!PredefinedReasons.Contains(predefined))
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["predefinedReason"] = "Should have a valid predefined reason." });
            }

            query = query.Where(a => ("," + a.PredefinedReasons + ",").Contains("," + predefined + ","));
        }

        switch (q["filter"].ToString())
        {
            case "":
                break;
            case "video":
                query = query.Where(a => a.VideoId != null);
                break;
            case "comment":
                query = query.Where(a => a.CommentId != null);
                break;
            case "account":
                query = query.Where(a => a.VideoId == null && a.CommentId == null);
                break;
            default:
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["filter"] = "Should have a valid filter: video, comment or account." });
        }

        switch (q["videoIs"].ToString())
        {
            case "":
                break;
            case "blacklisted":
                var blocked = blockedVideos.Ids();
                query = query.Where(a => a.VideoId != null && blocked.Contains(a.VideoId.Value));
                break;
            case "deleted":
                // A report keeps no trace of a deleted video (its link is cleared): none is known to be about one.
                query = query.Where(_ => false);
                break;
            default:
                return ApiProblem.InvalidParams(new Dictionary<string, string> { ["videoIs"] = "Should have a valid videoIs: deleted or blacklisted." });
        }

        if (q["search"].ToString().Trim() is { Length: > 0 } search)
        {
            var pattern = $"%{search.ToLowerInvariant()}%";
            query = query.Where(a => EF.Functions.Like(a.Reason.ToLower(), pattern)
                                     || (a.ReporterAccount != null && EF.Functions.Like(a.ReporterAccount.Name.ToLower(), pattern))
                                     || EF.Functions.Like(a.FlaggedAccount!.Name.ToLower(), pattern)
                                     || (a.Video != null && EF.Functions.Like(a.Video.Name.ToLower(), pattern)));
        }

        var total = await query.CountAsync(ct);
        query = (page.Column, page.Descending) switch
        {
            ("state", true) => query.OrderByDescending(a => a.State).ThenByDescending(a => a.Id),
            ("state", false) => query.OrderBy(a => a.State).ThenBy(a => a.Id),
            (_, true) => query.OrderByDescending(a => a.Id),
            _ => query.OrderBy(a => a.Id),
        };
        var rows = await query.Skip(page.Start).Take(page.Count)
            .Include(a => a.ReporterAccount).Include(a => a.FlaggedAccount)
            .Include(a => a.Video!).ThenInclude(v => v.Channel!).ThenInclude(c => c.Account)
            .Include(a => a.Comment!).ThenInclude(c => c.Video!).ThenInclude(v => v.Channel!).ThenInclude(c => c.Account)
            .ToListAsync(ct);
        return TypedResults.Ok(new { total, data = rows.Select(a => Dto(a, instance, reporter)) });
    }

    private static bool Visible(Video? video, ClaimsPrincipal? reporter) =>
        reporter is null || video is null || VideoAccess.CanView(video.Privacy, video.Channel?.Account?.UserId, reporter);

    /// <summary>PeerTube's Abuse (the admin view).</summary>
    private static object Dto(Abuse a, InstanceOptions instance, ClaimsPrincipal? reporter) => new
    {
        id = a.Id,
        reason = a.Reason,
        predefinedReasons = a.PredefinedReasons.Split(',', StringSplitOptions.RemoveEmptyEntries),
        reporterAccount = a.ReporterAccount is { } r ? AccountDtos.Summary(r, instance) : null,
        flaggedAccount = a.FlaggedAccount is { } f ? AccountDtos.Summary(f, instance) : null,
        state = new { id = (int)a.State, label = a.State.ToString() },
        moderationComment = a.ModerationComment,
        video = a.Video is { } v ? new { id = v.Id, name = Visible(v, reporter) ? v.Name : null, uuid = v.Uuid, shortUUID = ShortUuid.FromGuid(v.Uuid), startAt = a.StartAt, endAt = a.EndAt, deleted = false } : null,
        comment = a.Comment is { } c ? new { id = c.Id, text = Visible(c.Video, reporter) ? c.Text : null, threadId = c.ThreadId, deleted = c.DeletedAt is not null } : null,
        countReportsForReporter = 0,
        countReportsForReportee = 0,
        createdAt = a.CreatedAt,
        updatedAt = a.UpdatedAt,
    };
}
