using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace PeerTube.Net.Server.Features.Streaming;

/// <summary>
/// HLS playlists (and the segments' hash file) in memory, each with a strong ETag of its content. Nothing assumes a
/// file is immutable: every use compares the file's length and modification time with what was read (one stat), so a
/// playlist rewritten in place (live, every segment) is read again on its next request. A writer that knows it changed
/// a file may also call <see cref="Invalidate"/>.
/// </summary>
public sealed class PlaylistCache(IOptions<StreamingOptions> options)
{
    /// <summary>Files kept at most; beyond it the cache starts over.</summary>
    public const int MaxEntries = 20_000;

    /// <summary>Bytes kept at most (playlists are a few KiB; this bounds a node with many large ones); beyond it the cache starts over.</summary>
    public const long MaxTotalBytes = 256L * 1024 * 1024;

    private long _totalBytes;

    private readonly ConcurrentDictionary<string, CachedFile> _files = new(StringComparer.Ordinal);
    private readonly int _maxBytes = options.Value.MaxCachedPlaylistBytes;

    /// <summary>Files this cache answers for, by name; the rendition files are streamed from disk.</summary>
    public static bool IsCacheable(string file) =>
        file.EndsWith(".m3u8", StringComparison.Ordinal) || file.EndsWith(".json", StringComparison.Ordinal);

    /// <summary>The file as it is on disk now, or null when it is missing or too large to keep.</summary>
    public async ValueTask<CachedFile?> GetAsync(string path, CancellationToken ct)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            _files.TryRemove(path, out _);
            return null;
        }

        var length = info.Length;
        var modified = info.LastWriteTimeUtc;
        if (_files.TryGetValue(path, out var cached) && cached.Length == length && cached.LastModified == modified)
        {
            return cached;
        }

        if (length > _maxBytes)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        // Keyed by what was seen before the read: if the file changed in between, the next stat differs and reads again.
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
        var file = new CachedFile(bytes, length, modified, etag, new EntityTagHeaderValue(etag));
        if (bytes.Length != length)
        {
            // Caught mid-write: served as read, remembered only once it holds still.
            return file with { Length = bytes.Length };
        }

        if (_files.Count >= MaxEntries || Interlocked.Add(ref _totalBytes, bytes.Length) > MaxTotalBytes)
        {
            _files.Clear();
            Interlocked.Exchange(ref _totalBytes, bytes.Length);
        }

        _files[path] = file;
        return file;
    }

    /// <summary>Forgets a file (a writer that just replaced it); the next request reads it again.</summary>
    public void Invalidate(string path) => _files.TryRemove(path, out _);

    public sealed record CachedFile(byte[] Bytes, long Length, DateTime LastModified, string ETag, EntityTagHeaderValue EntityTag)
    {
        /// <summary>The Last-Modified header, as the framework's file results write it (whole seconds).</summary>
        public string LastModifiedHeader { get; } = HeaderUtilities.FormatDate(new DateTimeOffset(LastModified.Year, LastModified.Month,
            LastModified.Day, LastModified.Hour, LastModified.Minute, LastModified.Second, TimeSpan.Zero));
    }
}
