namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>The .torrent files, at PeerTube's paths: /lazy-static/torrents/ to open, /download/torrents/ to save.</summary>
public static class TorrentsEndpoints
{
    public static IEndpointRouteBuilder MapTorrents(this IEndpointRouteBuilder app)
    {
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods("/lazy-static/torrents/{file}", getOrHead, (string file, StoragePaths paths) => Serve(paths, file, download: false));
        app.MapMethods("/download/torrents/{file}", getOrHead, (string file, StoragePaths paths) => Serve(paths, file, download: true));
        return app;
    }

    private static IResult Serve(StoragePaths paths, string file, bool download)
    {
        var path = file.EndsWith(".torrent", StringComparison.Ordinal) ? StoragePaths.SafeJoin(paths.Torrents, file) : null;
        if (path is null || !File.Exists(path))
        {
            return Infrastructure.Errors.ApiProblem.NotFound("Torrent not found.");
        }

        return TypedResults.PhysicalFile(path, "application/x-bittorrent", fileDownloadName: download ? file : null,
            lastModified: File.GetLastWriteTimeUtc(path));
    }
}
