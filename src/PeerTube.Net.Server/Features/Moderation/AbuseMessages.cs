using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Moderation;

/// <summary>
/// PeerTube's AbuseMessage: a note in the conversation about a report, between the one who made it (here) and the
/// instance's moderators. <see cref="ByModerator"/>: written by someone other than the reporter.
/// </summary>
public sealed class AbuseMessage
{
    public int Id { get; set; }
    public int AbuseId { get; set; }
    public Abuse? Abuse { get; set; }
    public int? AccountId { get; set; }
    public Account? Account { get; set; }
    public required string Message { get; set; }
    public bool ByModerator { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class AbuseMessageConfiguration : IEntityTypeConfiguration<AbuseMessage>
{
    public void Configure(EntityTypeBuilder<AbuseMessage> e)
    {
        e.ToTable("AbuseMessages");
        e.HasIndex(m => new { m.AbuseId, m.CreatedAt });
        e.Property(m => m.Message).HasMaxLength(3000);
        e.HasOne(m => m.Abuse).WithMany().HasForeignKey(m => m.AbuseId).OnDelete(DeleteBehavior.Cascade);
        e.HasOne(m => m.Account).WithMany().HasForeignKey(m => m.AccountId).OnDelete(DeleteBehavior.SetNull);
    }
}

public sealed record AbuseMessageDto(int Id, string Message, bool ByModerator, DateTimeOffset CreatedAt, AccountSummaryDto? Account);

public sealed record AddAbuseMessageRequest(string? Message);

public sealed record AbuseMessageCreatedDto(IdDto AbuseMessage);

public sealed record IdDto(int Id);

/// <summary>
/// <c>/api/v1/abuses/{id}/messages</c>: the reporter of a report made here and the moderators read and write them;
/// anyone else is refused (403), and a report received from another instance has no reporter here to talk to.
/// </summary>
public static class AbuseMessagesApi
{
    public static IEndpointRouteBuilder MapAbuseMessagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/abuses/{id:int}/messages").WithTags("Abuses").RequireAuthorization().DisableAntiforgery();
        api.MapGet("", ListAsync);
        api.MapPost("", AddAsync);
        api.MapDelete("/{messageId:int}", DeleteAsync);
        return app;
    }

    private static async Task<Results<Ok<ListPage<AbuseMessageDto>>, ForbiddenProblem, NotFoundProblem>> ListAsync(int id, ClaimsPrincipal principal,
        AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        if (await AccessAsync(id, principal, db, ct) is { } refused)
        {
            return refused.Result switch { ForbiddenProblem f => f, var other => (NotFoundProblem)other! };
        }

        var rows = await db.Set<AbuseMessage>().AsNoTracking().Where(m => m.AbuseId == id).OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Include(m => m.Account).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<AbuseMessageDto>(rows.Count, rows.Select(m =>
            new AbuseMessageDto(m.Id, m.Message, m.ByModerator, m.CreatedAt, m.Account is { } a ? AccountDtos.Summary(a, instance.Value) : null)).ToList()));
    }

    private static async Task<Results<Ok<AbuseMessageCreatedDto>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> AddAsync(int id,
        AddAbuseMessageRequest? body, ClaimsPrincipal principal, AppDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (await AccessAsync(id, principal, db, ct) is { } refused)
        {
            return refused.Result switch { ForbiddenProblem f => f, var other => (NotFoundProblem)other! };
        }

        var text = body?.Message?.Trim() ?? "";
        if (text.Length is < 2 or > 3000)
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["message"] = "Should have a valid message (2 to 3000 characters)." });
        }

        var me = principal.UserId();
        var account = await db.Accounts.FirstAsync(a => a.UserId == me, ct);
        var reporterAccountId = await db.Abuses.Where(a => a.Id == id).Select(a => a.ReporterAccountId).FirstAsync(ct);
        var message = new AbuseMessage
        {
            AbuseId = id, AccountId = account.Id, Message = text, ByModerator = reporterAccountId != account.Id, CreatedAt = clock.GetUtcNow(),
        };
        db.Set<AbuseMessage>().Add(message);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new AbuseMessageCreatedDto(new IdDto(message.Id)));
    }

    /// <summary>As on PeerTube, only the message's author deletes it.</summary>
    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> DeleteAsync(int id, int messageId, ClaimsPrincipal principal,
        AppDbContext db, CancellationToken ct)
    {
        if (await AccessAsync(id, principal, db, ct) is { } refused)
        {
            return refused.Result switch { ForbiddenProblem f => f, var other => (NotFoundProblem)other! };
        }

        var me = principal.UserId();
        var message = await db.Set<AbuseMessage>().Where(m => m.Id == messageId && m.AbuseId == id)
            .Select(m => new { m.Id, AuthorUserId = m.Account!.UserId }).FirstOrDefaultAsync(ct);
        if (message is null)
        {
            return ApiProblem.NotFound("Abuse message not found.");
        }

        if (message.AuthorUserId != me)
        {
            return ApiProblem.Forbidden("Cannot delete this abuse message.");
        }

        await db.Set<AbuseMessage>().Where(m => m.Id == messageId).ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Null when the viewer may take part in the report's conversation; otherwise the 404 or 403 to answer.</summary>
    private static async Task<Results<ForbiddenProblem, NotFoundProblem>?> AccessAsync(int abuseId, ClaimsPrincipal principal, AppDbContext db,
        CancellationToken ct)
    {
        var abuse = await db.Abuses.AsNoTracking().Where(a => a.Id == abuseId)
            .Select(a => new { a.RemoteUrl, ReporterUserId = a.ReporterAccount!.UserId }).FirstOrDefaultAsync(ct);
        if (abuse is null)
        {
            return ApiProblem.NotFound("Abuse not found.");
        }

        if (principal.IsModeratorOrAdmin() || (abuse.RemoteUrl is null && abuse.ReporterUserId is { } reporter && reporter == principal.UserId()))
        {
            return null;
        }

        return ApiProblem.Forbidden("Cannot access the messages of this abuse.");
    }
}
