using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PeerTube.Net.Media.Hls;

/// <summary>
/// The per-segment SHA-256 map P2P peers use to verify what other peers send (PeerTube's <c>&lt;id&gt;-segments-sha256.json</c>).
/// </summary>
public static class SegmentHashes
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Hashes each segment listed in the media playlist, reading the fragmented file with a fixed-size buffer.
    /// Keys are <c>"{offset}-{offset+length-1}"</c>, values lowercase hex SHA-256.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is shorter than a byte range in the playlist.</exception>
    public static async Task<IReadOnlyDictionary<string, string>> ComputeAsync(string mediaPlaylistPath, string fragmentedFilePath, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(mediaPlaylistPath);
        ArgumentException.ThrowIfNullOrEmpty(fragmentedFilePath);

        var playlist = await File.ReadAllTextAsync(mediaPlaylistPath, ct).ConfigureAwait(false);
        var ranges = HlsPlaylists.ParseSegmentByteRanges(playlist);

        var hashes = new Dictionary<string, string>(ranges.Count, StringComparer.Ordinal);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var file = new FileStream(
                fragmentedFilePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

            foreach (var range in ranges)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"{range.Offset}-{range.Offset + range.Length - 1}");
                file.Position = range.Offset;
                var remaining = range.Length;
                while (remaining > 0)
                {
                    var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(BufferSize, remaining)), ct).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new InvalidDataException($"'{Path.GetFileName(fragmentedFilePath)}' ends before the byte range {key} listed in its playlist.");
                    }

                    sha.AppendData(buffer, 0, read);
                    remaining -= read;
                }

                hashes[key] = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hashes;
    }

    /// <summary><c>{ "&lt;fragmented file name&gt;": { "start-end": "sha256" } }</c>, keys in the given order.</summary>
    public static string ToJson(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> byFileName)
    {
        ArgumentNullException.ThrowIfNull(byFileName);

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (fileName, ranges) in byFileName)
            {
                writer.WriteStartObject(fileName);
                foreach (var (range, hash) in ranges)
                {
                    writer.WriteString(range, hash);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Checks a copied rendition against the origin's sha256 map: every byte range the playlist lists must be in the
    /// map with the same hash, and the map must list no range the playlist leaves out.
    /// </summary>
    /// <returns>Null when the copy matches; otherwise what is wrong.</returns>
    public static async Task<string?> VerifyAsync(string mediaPlaylistPath, string fragmentedFilePath, IReadOnlyDictionary<string, string> expected,
        CancellationToken ct)
    {
        IReadOnlyDictionary<string, string> actual;
        try
        {
            actual = await ComputeAsync(mediaPlaylistPath, fragmentedFilePath, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }

        if (actual.Count == 0)
        {
            return $"'{Path.GetFileName(mediaPlaylistPath)}' lists no segment.";
        }

        foreach (var (range, hash) in actual)
        {
            if (!expected.TryGetValue(range, out var wanted))
            {
                return $"the byte range {range} of '{Path.GetFileName(fragmentedFilePath)}' is not in the sha256 map.";
            }

            if (!string.Equals(wanted, hash, StringComparison.OrdinalIgnoreCase))
            {
                return $"the byte range {range} of '{Path.GetFileName(fragmentedFilePath)}' does not match its sha256.";
            }
        }

        return expected.Count == actual.Count ? null : $"the sha256 map lists ranges of '{Path.GetFileName(fragmentedFilePath)}' that its playlist does not.";
    }

    /// <summary>Reads <c>{ "file": { "start-end": "sha256" } }</c>; null when the text is not that shape.</summary>
    public static Dictionary<string, Dictionary<string, string>>? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var map = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
            foreach (var file in doc.RootElement.EnumerateObject())
            {
                if (file.Value.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                var ranges = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var range in file.Value.EnumerateObject())
                {
                    if (range.Value.ValueKind != JsonValueKind.String)
                    {
                        return null;
                    }

                    ranges[range.Name] = range.Value.GetString()!;
                }

                map[file.Name] = ranges;
            }

            return map;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
