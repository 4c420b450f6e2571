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
