using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.WatchedWords;

/// <summary>PeerTube's WatchedWordsList.</summary>
public sealed record WatchedWordsListDto(int Id, string ListName, IReadOnlyList<string> Words, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record WatchedWordsListRequest(string? ListName, List<string>? Words);

public sealed record WatchedWordsListId(int Id);

/// <summary>PeerTube's answer to a new list: <c>{ watchedWordsList: { id } }</c>.</summary>
public sealed record WatchedWordsListCreated(WatchedWordsListId WatchedWordsList);

public sealed record AvailableTag(string Name, string Type);

/// <summary>PeerTube's AutomaticTagAvailable: <c>{ available: [{ name, type: "core" | "watched-words-list" }] }</c>.</summary>
public sealed record AvailableTags(IReadOnlyList<AvailableTag> Available);

/// <summary>PeerTube's CommentAutomaticTagPolicies: the tags whose comments are held for review.</summary>
public sealed record CommentTagPolicies(IReadOnlyList<string>? Review);

/// <summary>
/// PeerTube 6.2's watched words (<c>/api/v1/watched-words/accounts/{accountName}/lists</c> for an account's owner,
/// <c>/api/v1/watched-words/server/lists</c> for moderators) and automatic tag policies
/// (<c>/api/v1/automatic-tags/…</c>): an account holds for review the comments on its videos that carry chosen tags.
/// </summary>
public static class WatchedWordsApi
{
    private static readonly HashSet<string> SortColumns = ["createdAt", "updatedAt", "listName"];

    public static IEndpointRouteBuilder MapWatchedWordsApi(this IEndpointRouteBuilder app)
    {
        var words = app.MapGroup("/api/v1/watched-words").WithTags("Watched Words").RequireAuthorization().DisableAntiforgery();
        var account = words.MapGroup("/accounts/{accountName}/lists").AddEndpointFilter(OwnerOnlyAsync);
        account.MapGet("", (HttpContext http, AppDbContext db, CancellationToken ct) => ListAsync(Owned(http), http.Request, db, ct));
        account.MapPost("", (HttpContext http, WatchedWordsListRequest body, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
            AddAsync(Owned(http), body, db, clock, ct));
        account.MapPut("/{listId:int}", (HttpContext http, int listId, WatchedWordsListRequest body, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
            UpdateAsync(Owned(http), listId, body, db, clock, ct));
        account.MapDelete("/{listId:int}", (HttpContext http, int listId, AppDbContext db, CancellationToken ct) => DeleteAsync(Owned(http), listId, db, ct));

        var server = words.MapGroup("/server/lists").RequireModerator("manage the instance's watched words");
        server.MapGet("", (HttpRequest r, AppDbContext db, CancellationToken ct) => ListAsync(null, r, db, ct));
        server.MapPost("", (WatchedWordsListRequest body, AppDbContext db, TimeProvider clock, CancellationToken ct) => AddAsync(null, body, db, clock, ct));
        server.MapPut("/{listId:int}", (int listId, WatchedWordsListRequest body, AppDbContext db, TimeProvider clock, CancellationToken ct) =>
            UpdateAsync(null, listId, body, db, clock, ct));
        server.MapDelete("/{listId:int}", (int listId, AppDbContext db, CancellationToken ct) => DeleteAsync(null, listId, db, ct));

        var tags = app.MapGroup("/api/v1/automatic-tags").WithTags("Automatic Tags").RequireAuthorization().DisableAntiforgery();
        var owned = tags.MapGroup("").AddEndpointFilter(OwnerOnlyAsync);
        owned.MapGet("/policies/accounts/{accountName}/comments", (HttpContext http, AppDbContext db, CancellationToken ct) => GetCommentPoliciesAsync(Owned(http), db, ct));
        owned.MapPut("/policies/accounts/{accountName}/comments", (HttpContext http, CommentTagPolicies body, AppDbContext db, CancellationToken ct) =>
            SetCommentPoliciesAsync(Owned(http), body, db, ct));
        owned.MapGet("/accounts/{accountName}/available", (HttpContext http, AppDbContext db, CancellationToken ct) => AvailableAsync(Owned(http), db, ct));
        tags.MapGroup("/server").RequireModerator("read the instance's automatic tags")
            .MapGet("/available", (AppDbContext db, CancellationToken ct) => AvailableAsync(null, db, ct));
        return app;
    }

    private const string OwnedAccountKey = "watched-words.account";

    /// <summary>
    /// The rule of every <c>{accountName}</c> route: PeerTube's checkUserCanManageAccount, only the owner of a local
    /// account (403 for anyone else, 404 for an unknown or remote account). The account's id is left for the handler.
    /// </summary>
    private static async ValueTask<object?> OwnerOnlyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var name = http.GetRouteValue("accountName") as string ?? "";
        var db = http.RequestServices.GetRequiredService<AppDbContext>();
        var account = name.Length > 200 ? null : await db.Accounts.AsNoTracking().Where(a => a.Name == name && a.Host == null)
            .Select(a => new { a.Id, a.UserId }).FirstOrDefaultAsync(http.RequestAborted);
        if (account is null)
        {
            return ApiProblem.NotFound("Account not found.");
        }

        if (account.UserId is not { } owner || owner != http.User.UserId())
        {
            return ApiProblem.Forbidden("Only the owner of this account can manage it.");
        }

        http.Items[OwnedAccountKey] = account.Id;
        return await next(context);
    }

    private static int Owned(HttpContext http) => (int)http.Items[OwnedAccountKey]!;

    private static async Task<Ok<ListPage<WatchedWordsListDto>>> ListAsync(int? accountId, HttpRequest request, AppDbContext db, CancellationToken ct)
    {

        var page = ListQuery.Read(request, SortColumns, "-createdAt");
        var query = db.WatchedWordsLists.AsNoTracking().Where(l => l.AccountId == accountId);
        var ordered = (page.Column, page.Descending) switch
        {
            ("listName", false) => query.OrderBy(l => l.ListName),
            ("listName", true) => query.OrderByDescending(l => l.ListName),
            ("updatedAt", false) => query.OrderBy(l => l.UpdatedAt),
            ("updatedAt", true) => query.OrderByDescending(l => l.UpdatedAt),
            (_, false) => query.OrderBy(l => l.CreatedAt),
            _ => query.OrderByDescending(l => l.CreatedAt),
        };
        var total = await query.CountAsync(ct);
        var rows = await ordered.ThenBy(l => l.Id).Skip(page.Start).Take(page.Count).ToListAsync(ct);
        return TypedResults.Ok(new ListPage<WatchedWordsListDto>(total, rows.Select(Dto).ToList()));
    }

    private static async Task<Results<Ok<WatchedWordsListCreated>, BadRequestProblem>> AddAsync(int? accountId, WatchedWordsListRequest body, AppDbContext db,
        TimeProvider clock, CancellationToken ct)
    {

        var (name, words, invalid) = Validate(body, optional: false);
        if (invalid is not null)
        {
            return invalid;
        }

        if (await db.WatchedWordsLists.AnyAsync(l => l.AccountId == accountId && l.ListName == name, ct))
        {
            return ApiProblem.BadRequest($"Watched words list with name {name} already exists");
        }

        var now = clock.GetUtcNow();
        var list = new WatchedWordsList { AccountId = accountId, ListName = name!, Words = words!, CreatedAt = now, UpdatedAt = now };
        db.WatchedWordsLists.Add(list);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new WatchedWordsListCreated(new WatchedWordsListId(list.Id)));
    }

    private static async Task<Results<NoContent, BadRequestProblem, NotFoundProblem>> UpdateAsync(int? accountId, int listId, WatchedWordsListRequest body,
        AppDbContext db, TimeProvider clock, CancellationToken ct)
    {

        var list = await db.WatchedWordsLists.FirstOrDefaultAsync(l => l.Id == listId && l.AccountId == accountId, ct);
        if (list is null)
        {
            return ApiProblem.NotFound("Unknown watched words list id for this account");
        }

        var (name, words, invalid) = Validate(body, optional: true);
        if (invalid is not null)
        {
            return invalid;
        }

        if (name is not null && name != list.ListName && await db.WatchedWordsLists.AnyAsync(l => l.AccountId == accountId && l.ListName == name && l.Id != listId, ct))
        {
            return ApiProblem.BadRequest($"Watched words list with name {name} already exists");
        }

        list.ListName = name ?? list.ListName;
        list.Words = words ?? list.Words;
        list.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, NotFoundProblem>> DeleteAsync(int? accountId, int listId, AppDbContext db, CancellationToken ct)
    {

        var deleted = await db.WatchedWordsLists.Where(l => l.Id == listId && l.AccountId == accountId).ExecuteDeleteAsync(ct);
        if (deleted == 0)
        {
            return ApiProblem.NotFound("Unknown watched words list id for this account");
        }

        // A tag that no longer exists is no longer a policy either.
        var names = await db.WatchedWordsLists.Where(l => l.AccountId == accountId).Select(l => l.ListName).ToListAsync(ct);
        await db.AutomaticTagPolicies.Where(p => p.AccountId == accountId && !names.Contains(p.Tag) && !AutomaticTagger.CoreTags.Contains(p.Tag))
            .ExecuteDeleteAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<AvailableTags>> AvailableAsync(int? accountId, AppDbContext db, CancellationToken ct)
    {

        return TypedResults.Ok(new AvailableTags(await AvailableNamesAsync(accountId, db, ct)));
    }

    private static async Task<List<AvailableTag>> AvailableNamesAsync(int? accountId, AppDbContext db, CancellationToken ct) =>
    [
        .. (await db.WatchedWordsLists.AsNoTracking().Where(l => l.AccountId == accountId).OrderBy(l => l.ListName).Select(l => l.ListName).ToListAsync(ct))
            .Select(n => new AvailableTag(n, "watched-words-list")),
        .. AutomaticTagger.CoreTags.Select(n => new AvailableTag(n, "core")),
    ];

    private static async Task<Ok<CommentTagPolicies>> GetCommentPoliciesAsync(int accountId, AppDbContext db, CancellationToken ct)
    {

        var review = await db.AutomaticTagPolicies.AsNoTracking().Where(p => p.AccountId == accountId && p.Policy == AutomaticTagPolicy.ReviewComment)
            .OrderBy(p => p.Tag).Select(p => p.Tag).ToListAsync(ct);
        return TypedResults.Ok(new CommentTagPolicies(review));
    }

    /// <summary>Body <c>{ review: [tag, …] }</c>, each an available tag of the account: replaces the account's review policy.</summary>
    private static async Task<Results<NoContent, BadRequestProblem>> SetCommentPoliciesAsync(int accountId, CommentTagPolicies body, AppDbContext db,
        CancellationToken ct)
    {

        var available = (await AvailableNamesAsync(accountId, db, ct)).Select(t => t.Name).ToHashSet();
        if (body.Review is null || body.Review.Count > 500 || body.Review.Any(t => t is null || !available.Contains(t)))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["review"] = "Should have an array of available automatic tags." });
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.AutomaticTagPolicies.Where(p => p.AccountId == accountId && p.Policy == AutomaticTagPolicy.ReviewComment).ExecuteDeleteAsync(ct);
        db.AutomaticTagPolicies.AddRange(body.Review.Distinct().Select(t => new AutomaticTagPolicy { AccountId = accountId, Tag = t, Policy = AutomaticTagPolicy.ReviewComment }));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>PeerTube's rules: a name of 1–100 characters; 1–500 words of 1–100 characters. Both optional on update.</summary>
    private static (string? Name, List<string>? Words, BadRequestProblem? Problem) Validate(WatchedWordsListRequest body, bool optional)
    {
        var errors = new Dictionary<string, string>();
        var name = body.ListName?.Trim();
        if ((name is null && !optional) || name is { Length: 0 or > WatchedWordsList.MaxNameLength })
        {
            errors["listName"] = $"Should have a list name between 1 and {WatchedWordsList.MaxNameLength} characters long";
        }

        var words = body.Words?.Select(w => w?.Trim() ?? "").ToList();
        if ((words is null && !optional) || words is { Count: 0 or > WatchedWordsList.MaxWords }
                                         || words?.Any(w => w.Length is 0 or > WatchedWordsList.MaxWordLength) == true)
        {
            errors["words"] = $"Should have an array of up to {WatchedWordsList.MaxWords} words between 1 and {WatchedWordsList.MaxWordLength} characters each";
        }

        return errors.Count > 0 ? (null, null, ApiProblem.InvalidParams(errors)) : (name, words?.Distinct(StringComparer.OrdinalIgnoreCase).ToList(), null);
    }

    private static WatchedWordsListDto Dto(WatchedWordsList l) => new(l.Id, l.ListName, l.Words, l.CreatedAt, l.UpdatedAt);
}
