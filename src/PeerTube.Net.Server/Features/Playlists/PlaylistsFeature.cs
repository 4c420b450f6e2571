using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>Playlists: PeerTube's API, every user's watch-later list, and playlists federated both ways.</summary>
public static class PlaylistsFeature
{
    public static WebApplicationBuilder AddPlaylists(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<PlaylistImages>();
        services.AddScoped<PlaylistObjects>();
        services.AddScoped<PlaylistFederation>();
        services.AddActivityHandler<PlaylistHandler>();
        services.AddActivityHandler<DeletePlaylistHandler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPlaylists(this IEndpointRouteBuilder app)
    {
        app.MapPlaylistsApi();
        app.MapPlaylistActivityPub();
        return app;
    }
}
