namespace PeerTube.Net.Server.Infrastructure.Storage;

/// <summary>Deletions that are safe to repeat: a missing file or folder is already what was asked for.</summary>
public static class StorageFiles
{
    public static void DeleteDirectory(string? path)
    {
        if (path is not null && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    public static void DeleteFile(string? path)
    {
        if (path is not null && File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
