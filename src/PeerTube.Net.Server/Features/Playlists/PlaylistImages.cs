using PeerTube.Net.Media;
using PeerTube.Net.Media.Images;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// A playlist's thumbnail: an upload is re-encoded by ffmpeg to PeerTube's thumbnail size (never served as sent), or a
/// copy of its first video's thumbnail. Kept in the thumbnails folder, served under /lazy-static/thumbnails/.
/// </summary>
public sealed class PlaylistImages(FfmpegRunner runner, StoragePaths paths)
{
    public const int Width = 280, Height = 157;

    /// <returns>The stored file's name, or null when nothing was uploaded.</returns>
    /// <exception cref="ApiProblemException">400 when the file is not an image ffmpeg can read.</exception>
    public async Task<string?> StoreAsync(string? uploaded, CancellationToken ct)
    {
        if (uploaded is null)
        {
            return null;
        }

        Directory.CreateDirectory(paths.Thumbnails);
        var name = $"{Guid.NewGuid()}.jpg";
        var target = Path.Combine(paths.Thumbnails, name);
        try
        {
            await runner.RunAsync(ImageCommands.BuildFrameGrab(uploaded, target, TimeSpan.Zero, Width, Height), TimeSpan.Zero, null, null, ct);
            if (!File.Exists(target) || new FileInfo(target).Length == 0)
            {
                throw new FfmpegFailedException(0, ["ffmpeg produced no image."]);
            }

            return name;
        }
        catch (FfmpegFailedException)
        {
            StorageFiles.DeleteFile(target);
            throw new ApiProblemException(ApiProblem.InvalidParams(new Dictionary<string, string>
            {
                ["thumbnailfile"] = "This thumbnail file is not supported or too large. Please, make sure it is of the following type: .png, .jpg, .jpeg, .webp",
            }));
        }
    }

    /// <summary>A copy of one of our videos' thumbnails (already re-encoded by us), or null when it has none on disk.</summary>
    public string? CopyOfVideoThumbnail(Video video)
    {
        if (video.ThumbnailFilename is null || StoragePaths.SafeJoin(paths.Thumbnails, video.ThumbnailFilename) is not { } source || !File.Exists(source))
        {
            return null;
        }

        var name = $"{Guid.NewGuid()}.jpg";
        File.Copy(source, Path.Combine(paths.Thumbnails, name));
        return name;
    }

    public void Delete(string? filename)
    {
        if (filename is not null && StoragePaths.SafeJoin(paths.Thumbnails, filename) is { } path)
        {
            StorageFiles.DeleteFile(path);
        }
    }
}
