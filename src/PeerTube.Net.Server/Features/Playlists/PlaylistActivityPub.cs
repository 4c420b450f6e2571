using System.Globalization;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// A playlist's URL asked for as ActivityPub (rewritten under the federation prefix by the negotiation), its pages, and its
/// elements' URLs. Only our public playlists; anything else is not found, as if it did not exist.
/// </summary>
internal static class PlaylistActivityPub
{
    public static IEndpointRouteBuilder MapPlaylistActivityPub(this IEndpointRouteBuilder app)
    {
        app.MapGet(ActivityPubEndpoints.Prefix + "/video-playlists/{playlistId}", PlaylistAsync).ExcludeFromDescription();
        app.MapGet("/video-playlists/{playlistId}/videos/{elementId:int}", ElementAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<VideoPlaylist?> FederatedAsync(AppDbContext db, string playlistId, CancellationToken ct)
    {
        var playlist = await db.VideoPlaylists.AsNoTracking().Include(p => p.Channel).ById(playlistId).FirstOrDefaultAsync(ct);
        return playlist is { RemoteUrl: null, Privacy: PlaylistPrivacy.Public, ChannelId: not null } ? playlist : null;
    }

    private static async Task<IResult> PlaylistAsync(string playlistId, HttpRequest request, AppDbContext db, PlaylistObjects objects, CancellationToken ct)
    {
        if (await FederatedAsync(db, playlistId, ct) is not { } playlist)
        {
            return ApiProblem.NotFound("Video playlist not found.");
        }

        if (request.Query["page"].ToString() is { Length: > 0 } pageText)
        {
            if (!int.TryParse(pageText, NumberStyles.None, CultureInfo.InvariantCulture, out var page) || page is < 1 or > 10_000)
            {
                return ApiProblem.BadRequest("Should have a valid page.");
            }

            return ActivityPubEndpoints.Json(await objects.PageAsync(playlist, page, ct));
        }

        return ActivityPubEndpoints.Json(await objects.PlaylistAsync(playlist, withContext: true, ct));
    }

    private static async Task<IResult> ElementAsync(string playlistId, int elementId, AppDbContext db, PlaylistObjects objects, CancellationToken ct)
    {
        if (await FederatedAsync(db, playlistId, ct) is not { } playlist)
        {
            return ApiProblem.NotFound("Video playlist element not found");
        }

        var element = await objects.FederatedElements(playlist.Id).Include(e => e.Video).FirstOrDefaultAsync(e => e.Id == elementId, ct);
        return element is null
            ? ApiProblem.NotFound("Video playlist element not found")
            : ActivityPubEndpoints.Json(objects.Element(playlist, element));
    }
}
