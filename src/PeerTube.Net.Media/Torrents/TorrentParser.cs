using System.Security.Cryptography;

namespace PeerTube.Net.Media.Torrents;

/// <summary>Reads single-file BitTorrent v1 metainfo (BEP 3, with BEP 12 announce-list, BEP 19 url-list, BEP 27 private).</summary>
/// <remarks>
/// The info dictionary is checked strictly: it defines the content, and a seeder trusts its piece count and sizes.
/// Everything outside it (trackers, web seeds, comment, dates) is read leniently, as libtorrent and WebTorrent do:
/// an entry of the wrong type is ignored rather than failing the whole torrent.
/// </remarks>
public static class TorrentParser
{
    /// <summary>
    /// The largest piece accepted from a torrent. Common tools stop at 16–64 MiB (create-torrent at 4 MiB); this bound
    /// keeps a hostile torrent from making a peer hold gigabytes to verify one piece.
    /// </summary>
    public const int MaxPieceLength = 256 * 1024 * 1024;

    private const int HashLength = 20;

    /// <exception cref="InvalidTorrentException">Not valid bencode, not a single-file v1 torrent, or inconsistent.</exception>
    public static TorrentMetainfo Parse(ReadOnlySpan<byte> torrentBytes)
    {
        BValue decoded;
        try
        {
            decoded = Bencode.Decode(torrentBytes);
        }
        catch (BencodeException e)
        {
            throw new InvalidTorrentException($"Not a torrent: {e.Message}", e);
        }

        if (decoded is not BDictionary root)
        {
            throw new InvalidTorrentException($"Not a torrent: the top-level value is {Kind(decoded)}, not a dictionary.");
        }

        if (!root.TryGet<BDictionary>("info", out var info))
        {
            throw new InvalidTorrentException(root["info"] is null
                ? "Not a torrent: there is no 'info' dictionary."
                : $"Not a torrent: 'info' is {Kind(root["info"]!)}, not a dictionary.");
        }

        if (info["files"] is not null)
        {
            throw new InvalidTorrentException("Multi-file torrents are not supported: 'info' has a 'files' list.");
        }

        if (!info.TryGet<BString>("name", out var name) || name.Length == 0)
        {
            throw new InvalidTorrentException("'info.name' is missing or empty.");
        }

        var length = RequireInteger(info, "length");
        if (length < 0)
        {
            throw new InvalidTorrentException($"'info.length' is negative ({length}).");
        }

        var pieceLength = RequireInteger(info, "piece length");
        if (pieceLength is <= 0 or > MaxPieceLength)
        {
            throw new InvalidTorrentException($"'info.piece length' is {pieceLength}; it must be between 1 and {MaxPieceLength}.");
        }

        if (!info.TryGet<BString>("pieces", out var pieces))
        {
            throw new InvalidTorrentException("'info.pieces' is missing or not a byte string.");
        }

        if (pieces.Length % HashLength != 0)
        {
            throw new InvalidTorrentException($"'info.pieces' is {pieces.Length} bytes, not a multiple of {HashLength} (one SHA-1 per piece).");
        }

        var expectedPieces = length / pieceLength + (length % pieceLength == 0 ? 0 : 1);
        if (pieces.Length / HashLength != expectedPieces)
        {
            throw new InvalidTorrentException(
                $"'info.pieces' holds {pieces.Length / HashLength} hashes, but {length} bytes in pieces of {pieceLength} make {expectedPieces}.");
        }

        var pieceHashes = new byte[pieces.Length / HashLength][];
        for (var i = 0; i < pieceHashes.Length; i++)
        {
            pieceHashes[i] = pieces.Bytes.Span.Slice(i * HashLength, HashLength).ToArray();
        }

        var infoHash = SHA1.HashData(torrentBytes[InfoRange(torrentBytes)]);

        var announce = TextOrNull(root["announce"]);
        var announceList = ReadAnnounceList(root["announce-list"]);
        if (announceList.Count == 0 && announce is not null)
        {
            announceList = [[announce]];
        }

        return new TorrentMetainfo(
            torrentBytes.ToArray(),
            infoHash,
            Convert.ToHexStringLower(infoHash),
            name.Text,
            length,
            (int)pieceLength,
            pieceHashes,
            announceList,
            ReadWebSeeds(root["url-list"]))
        {
            Announce = announce,
            Comment = TextOrNull(root["comment"]),
            CreatedBy = TextOrNull(root["created by"]),
            CreationDate = root.TryGet<BInteger>("creation date", out var date) && date.Value is >= MinUnixSeconds and <= MaxUnixSeconds
                ? DateTimeOffset.FromUnixTimeSeconds(date.Value)
                : null,
            Private = info.TryGet<BInteger>("private", out var isPrivate) && isPrivate.Value == 1,
            Salt = TextOrNull(info[TorrentBuilder.SaltKey]),
        };
    }

    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>
    /// Where the info dictionary's value sits in the input. The info-hash is over these bytes as they are, never a
    /// re-encoding: a torrent written by a tool that got key order or something else non-canonical must keep its hash.
    /// </summary>
    private static Range InfoRange(ReadOnlySpan<byte> data)
    {
        // The whole input already decoded, so this walk over the top-level dictionary cannot fail.
        var pos = 1; // 'd'
        while (data[pos] != 'e')
        {
            var key = (BString)Bencode.Decode(data[pos..], out var keyLength);
            pos += keyLength;
            Bencode.Decode(data[pos..], out var valueLength);
            if (key.Bytes.Span.SequenceEqual("info"u8))
            {
                return new Range(pos, pos + valueLength);
            }

            pos += valueLength;
        }

        throw new InvalidOperationException("The info dictionary vanished between two reads of the same bytes.");
    }

    private static long RequireInteger(BDictionary info, string key) =>
        info[key] switch
        {
            BInteger i => i.Value,
            null => throw new InvalidTorrentException($"'info.{key}' is missing."),
            var other => throw new InvalidTorrentException($"'info.{key}' is {Kind(other)}, not an integer."),
        };

    private static List<IReadOnlyList<string>> ReadAnnounceList(BValue? value)
    {
        var tiers = new List<IReadOnlyList<string>>();
        if (value is not BList list)
        {
            return tiers;
        }

        foreach (var tier in list.Items)
        {
            var urls = tier switch
            {
                BList t => t.Items.Select(TextOrNull).OfType<string>().ToArray(),
                // Some tools write a flat list of URLs; each is then a tier of its own.
                BString s => TextOrNull(s) is { } url ? [url] : [],
                _ => [],
            };
            if (urls.Length > 0)
            {
                tiers.Add(urls);
            }
        }

        return tiers;
    }

    private static string[] ReadWebSeeds(BValue? value) => value switch
    {
        BString s => TextOrNull(s) is { } url ? [url] : [],
        BList l => l.Items.Select(TextOrNull).OfType<string>().ToArray(),
        _ => [],
    };

    private static string? TextOrNull(BValue? value) =>
        value is BString { Length: > 0 } s ? s.Text : null;

    private static string Kind(BValue value) => value switch
    {
        BString => "a byte string",
        BInteger => "an integer",
        BList => "a list",
        _ => "a dictionary",
    };
}
