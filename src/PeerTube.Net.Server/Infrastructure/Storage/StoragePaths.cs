using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Infrastructure.Storage;

/// <summary>
/// The on-disk layout, which mirrors PeerTube's: streaming-playlists/hls/&lt;uuid&gt;/, thumbnails/, previews/,
/// plus tmp/ for uploads and work directories that must never outlive their job.
/// </summary>
public sealed class StoragePaths
{
    public StoragePaths(IOptions<StorageOptions> options)
    {
        Root = Path.GetFullPath(options.Value.Root);
        foreach (var dir in new[] { HlsRoot, Thumbnails, Previews, Uploads, ResumableUploads, TranscodeWork, Keys, Sources, FfmpegLogs, Torrents, ActorImages })
        {
            Directory.CreateDirectory(dir);
        }
    }

    public string Root { get; }

    /// <summary>
    /// A secret key of this instance under keys/: read, or made of random bytes the first time. Nodes that share the
    /// storage share it; two making it at once keep the first written.
    /// </summary>
    public byte[] LoadOrCreateKey(string name, int bytes = 32)
    {
        var path = Path.Combine(Keys, name);
        if (!File.Exists(path))
        {
            var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(tmp, System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));
            try
            {
                File.Move(tmp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(tmp);
            }
        }

        return File.ReadAllBytes(path);
    }
    public string HlsRoot => Path.Combine(Root, "streaming-playlists", "hls");
    public string Thumbnails => Path.Combine(Root, "thumbnails");
    public string Previews => Path.Combine(Root, "previews");
    public string Sources => Path.Combine(Root, "sources");
    public string Torrents => Path.Combine(Root, "torrents");
    public string Keys => Path.Combine(Root, "keys");

    /// <summary>Avatars and banners of accounts and channels (PeerTube keeps both in storage/avatars/).</summary>
    public string ActorImages => Path.Combine(Root, "avatars");
    public string FfmpegLogs => Path.Combine(Root, "logs", "ffmpeg");
    public string Tmp => Path.Combine(Root, "tmp");
    public string Uploads => Path.Combine(Tmp, "uploads");
    public string ResumableUploads => Path.Combine(Tmp, "resumable-uploads");
    public string TranscodeWork => Path.Combine(Tmp, "transcode");

    public string HlsDirectory(Guid videoUuid) => Path.Combine(HlsRoot, videoUuid.ToString());
    public string TranscodeWorkDirectory(Guid videoUuid) => Path.Combine(TranscodeWork, videoUuid.ToString());
    /// <summary>The log of the last ffmpeg run for a video, starting with the exact command line.</summary>
    public string FfmpegLog(Guid videoUuid) => Path.Combine(FfmpegLogs, $"{videoUuid}.log");
    public string SourceFile(string fileName) => Path.Combine(Sources, Path.GetFileName(fileName));

    /// <summary>Joins a user-supplied file name under a directory, refusing anything that escapes it.</summary>
    public static string? SafeJoin(string directory, string fileName)
    {
        if (string.IsNullOrEmpty(fileName) || fileName != Path.GetFileName(fileName) || fileName.StartsWith('.'))
        {
            return null;
        }

        return Path.Combine(directory, fileName);
    }
}
