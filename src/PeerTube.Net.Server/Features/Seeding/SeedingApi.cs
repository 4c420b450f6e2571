using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Seeding;

public static class SeedingApi
{
    /// <summary>The admin's view of the seeder.</summary>
    public static IEndpointRouteBuilder MapSeedingApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/admin").WithTags("Seeding").RequireAuthorization().MapGet("/seeder/stats", GetStats);
        return app;
    }

    /// <summary>Where the seeder listens, and per torrent its peers and what they took since the process started.</summary>
    private static Results<Ok<SeederStatsDto>, ForbiddenProblem> GetStats(ClaimsPrincipal principal, SeederState state, UploadSlots slots,
        IOptions<SeedingOptions> options)
    {
        if (!principal.IsAdmin())
        {
            return ApiProblem.Forbidden("Only administrators can see the seeder statistics.");
        }

        var torrents = state.Torrents
            .OrderBy(t => t.Metainfo.Name, StringComparer.Ordinal)
            .Select(t => new SeededTorrentDto(t.InfoHashHex, t.Metainfo.Name, Path.GetFileName(t.FilePath), t.Metainfo.Length, t.Peers,
                t.BytesUploaded))
            .ToList();
        return TypedResults.Ok(new SeederStatsDto(
            options.Value.Enabled,
            state.ListeningPort is not null,
            state.ListeningPort,
            state.AnnouncedEndpoint?.ToString(),
            new UploadSlotsDto(options.Value.UploadSlots, slots.Unchoked, slots.Waiting),
            new SeederTotalsDto(torrents.Count, torrents.Sum(t => t.Peers), state.BytesUploaded),
            torrents));
    }
}
