using System.Buffers;
using System.Numerics;
using System.Security.Cryptography;

namespace PeerTube.Net.Media.Torrents;

/// <summary>Creates single-file torrents the way PeerTube does (it calls WebTorrent's create-torrent).</summary>
public static class TorrentBuilder
{
    public const int MinPieceLength = 16 * 1024;

    /// <summary>create-torrent's default <c>maxPieceLength</c>.</summary>
    public const int MaxChosenPieceLength = 4 * 1024 * 1024;

    private const int ReadBufferSize = 1024 * 1024;

    /// <summary>
    /// Our own key in the info dictionary for <see cref="TorrentOptions.Salt"/>. Clients keep unknown info keys as they
    /// are (the info-hash covers them) and otherwise ignore them.
    /// </summary>
    public const string SaltKey = "peertube-net-salt";

    /// <summary>
    /// Hashes the file piece by piece (constant memory, whatever the file size) and writes the metainfo:
    /// <c>announce</c> (first tracker), <c>announce-list</c>, <c>comment</c>, <c>created by</c>, <c>creation date</c>,
    /// <c>encoding</c> (UTF-8, as create-torrent), <c>info</c> {<c>length</c>, <c>name</c>, <c>piece length</c>,
    /// <c>pieces</c>, <c>private</c> only when true, <see cref="SaltKey"/> only when a salt is given}, and <c>url-list</c> (always a list, as create-torrent; left out when
    /// there are no web seeds). The info-hash depends only on the content, the name, the piece length, the private flag and the salt.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, or the file is empty: BitTorrent has no use for a
    /// zero-length torrent and clients reject or mishandle one, so none is made.</exception>
    public static async Task<TorrentMetainfo> CreateAsync(string filePath, TorrentOptions options, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);

        await using var file = new FileStream(
            filePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var pieceLength = options.PieceLength ?? ChoosePieceLength(file.Length);

        using var pieces = new MemoryStream();
        long length = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            var filledInPiece = 0;
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, ReadBufferSize), ct).ConfigureAwait(false)) > 0)
            {
                filledInPiece = HashChunk(buffer.AsSpan(0, read), sha1, pieceLength, filledInPiece, pieces);
                length += read;
            }

            if (filledInPiece > 0)
            {
                pieces.Write(sha1.GetHashAndReset());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (length == 0)
        {
            throw new ArgumentException($"Cannot create a torrent for the empty file {filePath}.", nameof(filePath));
        }

        var info = BDictionary.Of(
            ("length", length),
            ("name", options.Name),
            ("piece length", pieceLength),
            ("pieces", pieces.ToArray()),
            ("private", options.Private ? 1 : null),
            (SaltKey, options.Salt));

        var metainfo = BDictionary.Of(
            ("announce", options.AnnounceList.Count > 0 ? options.AnnounceList[0][0] : null),
            ("announce-list", options.AnnounceList.Count > 0 ? options.AnnounceList : null),
            ("comment", options.Comment),
            ("created by", string.IsNullOrEmpty(options.CreatedBy) ? null : options.CreatedBy),
            ("creation date", (options.CreationDate ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds()),
            ("encoding", "UTF-8"),
            ("info", info),
            ("url-list", options.WebSeeds.Count > 0 ? options.WebSeeds : null));

        // Parsing what was just written gives the info-hash from the very bytes a client will hash.
        return TorrentParser.Parse(Bencode.Encode(metainfo));
    }

    /// <summary>
    /// The rule of WebTorrent's <c>piece-length</c> package, which PeerTube's create-torrent uses, so the same file gets the
    /// same info-hash here as there: about 1024 pieces, i.e. fileSize / 1024 rounded to the nearest power of two
    /// (nearest on a log scale: <c>2^floor(log2(fileSize / 1024) + 0.5)</c>), at least 16 KiB and, as create-torrent's
    /// default <c>maxPieceLength</c>, at most 4 MiB. For example 50 MiB → 64 KiB, 700 MiB → 512 KiB, 1.4 GiB → 1 MiB,
    /// 4.5 GiB and above → 4 MiB. (JavaScript's 32-bit shift makes the original fall back to 16 KiB above ~1.4 TiB; this
    /// stays at 4 MiB there.)
    /// </summary>
    public static int ChoosePieceLength(long fileSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fileSize);
        var exponent = (int)Math.Floor(Math.Log2(fileSize < 1024 ? 1 : fileSize / 1024.0) + 0.5);
        return Math.Clamp(1 << Math.Min(exponent, 30), MinPieceLength, MaxChosenPieceLength);
    }

    private static int HashChunk(ReadOnlySpan<byte> chunk, IncrementalHash sha1, int pieceLength, int filledInPiece, MemoryStream pieces)
    {
        while (!chunk.IsEmpty)
        {
            var take = Math.Min(chunk.Length, pieceLength - filledInPiece);
            sha1.AppendData(chunk[..take]);
            chunk = chunk[take..];
            filledInPiece += take;
            if (filledInPiece == pieceLength)
            {
                pieces.Write(sha1.GetHashAndReset());
                filledInPiece = 0;
            }
        }

        return filledInPiece;
    }

    private static void Validate(TorrentOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Name) || options.Name is "." or ".." || options.Name.AsSpan().IndexOfAny("/\\\0") >= 0)
        {
            throw new ArgumentException(
                $"The torrent name \"{options.Name}\" must be a plain file name (not empty, no '/', '\\' or NUL).", nameof(options));
        }

        ArgumentNullException.ThrowIfNull(options.AnnounceList, nameof(options));
        ArgumentNullException.ThrowIfNull(options.WebSeeds, nameof(options));
        foreach (var tier in options.AnnounceList)
        {
            if (tier is null || tier.Count == 0 || tier.Any(string.IsNullOrEmpty))
            {
                throw new ArgumentException("Every announce tier must hold at least one tracker URL, and no URL may be empty.", nameof(options));
            }
        }

        if (options.Salt is "")
        {
            throw new ArgumentException("The salt is empty; give null for none.", nameof(options));
        }

        if (options.WebSeeds.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A web seed URL is empty.", nameof(options));
        }

        if (options.PieceLength is { } pieceLength
            && (pieceLength < MinPieceLength || pieceLength > TorrentParser.MaxPieceLength || !BitOperations.IsPow2(pieceLength)))
        {
            throw new ArgumentException(
                $"The piece length {pieceLength} must be a power of two between {MinPieceLength} and {TorrentParser.MaxPieceLength}.", nameof(options));
        }
    }
}
