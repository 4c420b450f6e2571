using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Seeding;

public static class SeedingFeature
{
    public static WebApplicationBuilder AddSeeding(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SeedingOptions>().BindConfiguration(SeedingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SeederState>();
        builder.Services.AddSingleton<SeedingLibrary>();
        builder.Services.AddSingleton(sp => new UploadSlots(sp.GetRequiredService<IOptions<SeedingOptions>>().Value.UploadSlots));
        builder.Services.AddHostedService<BitTorrentSeeder>();
        return builder;
    }

    /// <summary>The admin's view of the seeder.</summary>
    public static IEndpointRouteBuilder MapSeeding(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/admin/seeder/stats", GetStats).RequireAuthorization();
        return app;
    }

    /// <summary>Where the seeder listens, and per torrent its peers and what they took since the process started.</summary>
    private static Results<Ok<SeederStatsDto>, ApiProblem> GetStats(ClaimsPrincipal principal, SeederState state, UploadSlots slots,
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

public sealed record SeederStatsDto(
    bool Enabled,
    bool Listening,
    int? Port,
    string? AnnouncedEndpoint,
    UploadSlotsDto UploadSlots,
    SeederTotalsDto Totals,
    IReadOnlyList<SeededTorrentDto> Torrents);

public sealed record UploadSlotsDto(int Size, int Unchoked, int Waiting);

/// <summary><see cref="BytesUploaded"/> counts every torrent since start, including torrents since withdrawn.</summary>
public sealed record SeederTotalsDto(int Torrents, int Peers, long BytesUploaded);

public sealed record SeededTorrentDto(string InfoHash, string Name, string FileName, long Size, int Peers, long BytesUploaded);
