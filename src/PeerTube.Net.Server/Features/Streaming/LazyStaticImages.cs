using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Streaming;

public enum LazyImageKind
{
    Thumbnail,
    Preview,

    /// <summary>An account's or channel's avatar or banner (one folder, as PeerTube keeps them).</summary>
    ActorImage,
}

/// <summary>
/// PeerTube's lazy-static images: ours are on disk already; a remote video's thumbnail or preview is fetched from the
/// origin's icon url on its first request, kept in the same folder and served from there afterwards. Concurrent first
/// requests share one fetch, and the file appears whole or not at all (written aside, then moved into place).
/// </summary>
public sealed partial class LazyStaticImages(IServiceScopeFactory scopes, StoragePaths paths, IOptionsMonitor<FederationOptions> options,
    IHostApplicationLifetime lifetime, ILogger<LazyStaticImages> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _fetches = new();

    /// <returns>The image's path on disk, or null when there is no such image or the origin did not give one.</returns>
    public async Task<string?> FindAsync(LazyImageKind kind, string file, CancellationToken ct)
    {
        var directory = kind switch
        {
            LazyImageKind.Thumbnail => paths.Thumbnails,
            LazyImageKind.Preview => paths.Previews,
            _ => paths.ActorImages,
        };
        var path = StoragePaths.SafeJoin(directory, file);
        if (path is null)
        {
            return null;
        }

        if (File.Exists(path))
        {
            return path;
        }

        // The fetch is not the first requester's: it goes on (bounded by the fetch timeout) if that one gives up.
        var fetch = _fetches.GetOrAdd(path, p => new Lazy<Task<bool>>(() => FetchAsync(kind, file, p, lifetime.ApplicationStopping)));
        // Forgotten once done, whether or not anyone still waits, so that a failed fetch is tried again next time.
        _ = fetch.Value.ContinueWith(_ => _fetches.TryRemove(KeyValuePair.Create(path, fetch)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return await fetch.Value.WaitAsync(ct) ? path : null;
    }

    private async Task<bool> FetchAsync(LazyImageKind kind, string file, string path, CancellationToken ct)
    {
        if (kind == LazyImageKind.ActorImage)
        {
            return await FetchActorImageAsync(file, path, ct);
        }

        if (file.Length < 36 || !Guid.TryParse(file.AsSpan(0, 36), out var uuid))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var video = await db.Videos.AsNoTracking().Where(v => v.Uuid == uuid && v.RemoteUrl != null)
            .Select(v => new { v.ThumbnailFilename, v.RemoteThumbnailUrl, v.PreviewFilename, v.RemotePreviewUrl })
            .FirstOrDefaultAsync(ct);
        var origin = kind == LazyImageKind.Thumbnail
            ? (video?.ThumbnailFilename == file ? video.RemoteThumbnailUrl : null)
            : (video?.PreviewFilename == file ? video.RemotePreviewUrl : null);
        if (origin is null || !Uri.TryCreate(origin, UriKind.Absolute, out var url))
        {
            return false;
        }

        var http = scope.ServiceProvider.GetRequiredService<FederationHttpClient>();
        var image = await http.GetImageAsync(url, options.CurrentValue.MaxImageBytes, ct);
        if (!image.Ok)
        {
            LogFetchFailed(url, image.Error);
            return false;
        }

        // Beside the target, so the move is a rename on one file system; the leading dot keeps it from being served.
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{file}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temporary, image.Body!, ct);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return true;
    }

    /// <summary>
    /// A remote actor's avatar or banner: fetched from where its document said, through the guarded client and its size
    /// limit, then decoded and drawn anew at the size the row names, so what we serve is our own JPEG.
    /// </summary>
    private async Task<bool> FetchActorImageAsync(string file, string path, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var row = await db.Set<ActorImage>().AsNoTracking().FirstOrDefaultAsync(i => i.Filename == file && i.RemoteUrl != null, ct);
        if (row is null || !Uri.TryCreate(row.RemoteUrl, UriKind.Absolute, out var url))
        {
            return false;
        }

        var http = scope.ServiceProvider.GetRequiredService<FederationHttpClient>();
        var image = await http.GetImageAsync(url, options.CurrentValue.MaxImageBytes, ct);
        var jpeg = image.Ok ? Infrastructure.Images.ImageEncoder.ToJpeg(image.Body!, row.Width, row.Height) : null;
        if (jpeg is null)
        {
            LogFetchFailed(url, image.Error ?? "the image could not be decoded");
            return false;
        }

        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{file}.{Guid.NewGuid():N}.tmp");
        try
        {
            await File.WriteAllBytesAsync(temporary, jpeg, ct);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not fetch the remote image {Url}: {Error}")]
    private partial void LogFetchFailed(Uri url, string? error);
}
