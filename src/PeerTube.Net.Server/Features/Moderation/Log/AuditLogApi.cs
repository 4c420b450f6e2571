using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Moderation.Log;

public sealed record AuditLogUserDto(int? Id, string Username);

public sealed record AuditLogEntryDto(long Id, string Action, string Target, string? Details, AuditLogUserDto User, DateTimeOffset CreatedAt);

/// <summary>
/// <c>GET /api/v1/server/audit-logs</c>, for administrators: the moderation log, newest first by default, as a PeerTube
/// list (<c>{ total, data }</c> with start, count and sort; <c>action</c> keeps one kind). PeerTube's route of that name
/// answers the lines of its audit log file instead; ours answers entries. There is no route that writes or removes them.
/// </summary>
public static class AuditLogApi
{
    private static readonly HashSet<string> SortColumns = ["createdAt", "id"];

    public static IEndpointRouteBuilder MapAuditLogApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/server").WithTags("Moderation log").RequireAdministrator("read the moderation log");
        api.MapGet("/audit-logs", ListAsync);
        return app;
    }

    private static async Task<Ok<ListPage<AuditLogEntryDto>>> ListAsync(HttpRequest request, AppDbContext db, CancellationToken ct)
    {
        var list = ListQuery.Read(request, SortColumns, "-createdAt");
        var query = db.Set<ModerationLogEntry>().AsNoTracking();
        if (request.Query["action"].ToString() is { Length: > 0 } action)
        {
            query = query.Where(e => e.Action == action);
        }

        var total = await query.CountAsync(ct);
        var ordered = list.Descending ? query.OrderByDescending(e => e.Id) : query.OrderBy(e => e.Id);
        var rows = await ordered.Skip(list.Start).Take(list.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<AuditLogEntryDto>(total, rows.Select(e =>
            new AuditLogEntryDto(e.Id, e.Action, e.Target, e.Details, new AuditLogUserDto(e.ByUserId, e.ByUsername), e.CreatedAt)).ToList()));
    }
}
