namespace PeerTube.Net.Server.Features.WatchedWords;

/// <summary>Watched words and automatic tags (PeerTube 6.2): lists of words per account and for the instance, the tags they give texts, and the policies on those tags.</summary>
public static class WatchedWordsFeature
{
    public static WebApplicationBuilder AddWatchedWords(this WebApplicationBuilder builder)
    {
        builder.Services.AddScoped<AutomaticTagger>();
        return builder;
    }

    public static WebApplication MapWatchedWords(this WebApplication app)
    {
        app.MapWatchedWordsApi();
        return app;
    }
}
