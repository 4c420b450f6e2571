using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// A live's segments-sha256.json, kept in step with its rolling playlists (every rendition's, in the one JSON: segment
/// names differ per rendition) so P2P viewers can verify live segments.
/// PeerTube's live shape (LiveSegmentShaStore): a flat <c>{ "&lt;segment file name&gt;": "&lt;sha256 hex&gt;" }</c>, as the
/// player reads whole-file segments (docs/p2p-contract.md); VOD's is keyed by file then byte range.
/// Only segments the playlist lists are hashed: ffmpeg writes the playlist (temp + rename) after a segment is closed,
/// so a listed segment is complete. The JSON is written to a temp file and renamed, so readers never see half of it.
/// One instance per stream, called from its watcher loop (never concurrently).
/// </summary>
internal sealed class LiveSegmentHashes(string hlsDirectory, IReadOnlyList<string> mediaPlaylists)
{
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private string? _lastPlaylists;

    /// <summary>Rehashes when a playlist changed; true when the JSON was rewritten.</summary>
    public async Task<bool> UpdateAsync(CancellationToken ct)
    {
        var playlists = new List<string>(mediaPlaylists.Count);
        foreach (var name in mediaPlaylists)
        {
            try
            {
                playlists.Add(await File.ReadAllTextAsync(Path.Combine(hlsDirectory, name), ct));
            }
            catch (FileNotFoundException)
            {
                playlists.Add("");
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
        }

        if (playlists.All(p => p.Length == 0))
        {
            return false;
        }

        var playlist = string.Join('\n', playlists);
        if (playlist == _lastPlaylists)
        {
            return false;
        }

        var listed = SegmentNames(playlist);
        foreach (var gone in _hashes.Keys.Where(k => !listed.Contains(k)).ToList())
        {
            _hashes.Remove(gone);
        }

        foreach (var name in listed.Where(n => !_hashes.ContainsKey(n)))
        {
            try
            {
                await using var file = File.OpenRead(Path.Combine(hlsDirectory, name));
                _hashes[name] = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            }
            catch (IOException)
            {
                // Rolled out of the window between the playlist read and now; the next playlist will not list it.
            }
        }

        var target = Path.Combine(hlsDirectory, LiveArguments.SegmentsSha256Filename);
        var temp = target + ".tmp";
        await File.WriteAllTextAsync(temp, ToJson(listed.Where(_hashes.ContainsKey).Select(n => (n, _hashes[n]))), ct);
        File.Move(temp, target, overwrite: true);
        _lastPlaylists = playlist;
        return true;
    }

    /// <summary>The media segment URIs of a playlist, in order; the init segment (EXT-X-MAP) is not a P2P segment.</summary>
    internal static List<string> SegmentNames(string playlist) =>
        playlist.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => Path.GetFileName(l.Split('?')[0])).ToList();

    private static string ToJson(IEnumerable<(string Name, string Hash)> segments)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, hash) in segments)
            {
                writer.WriteString(name, hash);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
