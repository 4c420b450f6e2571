using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Accounts;

/// <summary>Accounts as public actors: GET /api/v1/accounts/{name} and the channels they own.</summary>
internal static class AccountsApi
{
    private static readonly HashSet<string> ChannelSortColumns = ["id", "name", "updatedAt", "createdAt"];

    public static async Task<IResult> GetAccount(string name, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var account = LocalName(name, instance.Value) is { } local
            ? await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == local, ct)
            : null;
        return account is null
            ? ApiProblem.NotFound("Account not found.")
            : TypedResults.Ok(AccountDtos.Account(account, instance.Value));
    }

    public static async Task<IResult> ListChannels(string name, HttpRequest request, AppDbContext db, IOptions<InstanceOptions> instance,
        CancellationToken ct)
    {
        var list = ListQuery.Read(request, ChannelSortColumns, "-createdAt");
        var local = LocalName(name, instance.Value);
        if (local is null || !await db.Accounts.AnyAsync(a => a.Name == local, ct))
        {
            return ApiProblem.NotFound("Account not found.");
        }

        var query = db.VideoChannels.AsNoTracking().Where(c => c.Account!.Name == local);
        var total = await query.CountAsync(ct);
        var d = list.Descending;
        var ordered = list.Column switch
        {
            "name" => d ? query.OrderByDescending(c => c.Name) : query.OrderBy(c => c.Name),
            "updatedAt" => d ? query.OrderByDescending(c => c.UpdatedAt) : query.OrderBy(c => c.UpdatedAt),
            "createdAt" => d ? query.OrderByDescending(c => c.CreatedAt) : query.OrderBy(c => c.CreatedAt),
            _ => d ? query.OrderByDescending(c => c.Id) : query.OrderBy(c => c.Id),
        };
        var page = await ordered.ThenBy(c => c.Id).Skip(list.Start).Take(list.Count).Include(c => c.Account).ToListAsync(ct);
        return TypedResults.Ok(new { total, data = page.Select(c => AccountDtos.Channel(c, instance.Value)).ToList() });
    }

    /// <summary>"name" or "name@our-host"; an account of another host is not ours to show (no federation yet).</summary>
    private static string? LocalName(string handle, InstanceOptions instance)
    {
        var at = handle.IndexOf('@');
        if (at < 0)
        {
            return handle;
        }

        return string.Equals(handle[(at + 1)..], instance.Host, StringComparison.OrdinalIgnoreCase) ? handle[..at] : null;
    }
}
