namespace PeerTube.Net.Media.Torrents;

/// <summary>What to put in a new single-file torrent besides the file's content.</summary>
/// <param name="Name">The file name a client saves the download as (<c>info.name</c>). PeerTube keeps the extension, browsers need it to stream.</param>
/// <param name="AnnounceList">Tracker tiers (BEP 12); the first URL of the first tier is also written as <c>announce</c>. Empty for none.</param>
/// <param name="WebSeeds">HTTP URLs serving the same file (BEP 19 <c>url-list</c>). Empty for none.</param>
/// <param name="CreationDate">Defaults to now. It is outside the info dictionary, so it does not change the info-hash.</param>
/// <param name="Private">BEP 27: clients use only the torrent's trackers (no DHT/PEX). Part of the info-hash.</param>
/// <param name="Salt">Written under <see cref="TorrentBuilder.SaltKey"/> in the info dictionary: the same file gets another
/// info-hash for each salt, so an old info-hash or magnet link can be made to lead nowhere. Null for none.</param>
/// <param name="PieceLength">A power of two of at least 16 KiB; null to choose with <see cref="TorrentBuilder.ChoosePieceLength"/>.</param>
public sealed record TorrentOptions(
    string Name,
    IReadOnlyList<IReadOnlyList<string>> AnnounceList,
    IReadOnlyList<string> WebSeeds,
    string CreatedBy = "PeerTube.Net",
    DateTimeOffset? CreationDate = null,
    string? Comment = null,
    bool Private = false,
    int? PieceLength = null,
    string? Salt = null);

/// <summary>A parsed (or freshly built) single-file torrent.</summary>
/// <param name="Bytes">The .torrent file exactly as it was given or written.</param>
/// <param name="InfoHash">SHA-1 of the info dictionary's bytes exactly as they appear in <paramref name="Bytes"/> (20 bytes).</param>
/// <param name="InfoHashHex">Lowercase hex of <paramref name="InfoHash"/>, as PeerTube stores and shows it.</param>
/// <param name="PieceHashes">SHA-1 of each piece, 20 bytes each, in order.</param>
/// <param name="AnnounceList">Tracker tiers: <c>announce-list</c>, or <c>announce</c> alone as one tier when there is no usable list.</param>
/// <param name="WebSeeds">BEP 19 <c>url-list</c> (a single string or a list in the file).</param>
public sealed record TorrentMetainfo(
    byte[] Bytes,
    byte[] InfoHash,
    string InfoHashHex,
    string Name,
    long Length,
    int PieceLength,
    IReadOnlyList<byte[]> PieceHashes,
    IReadOnlyList<IReadOnlyList<string>> AnnounceList,
    IReadOnlyList<string> WebSeeds)
{
    public int PieceCount => PieceHashes.Count;

    /// <summary>The <c>announce</c> key as written, or null when absent.</summary>
    public string? Announce { get; init; }

    public string? Comment { get; init; }

    public string? CreatedBy { get; init; }

    public DateTimeOffset? CreationDate { get; init; }

    /// <summary>BEP 27 <c>info.private = 1</c>.</summary>
    public bool Private { get; init; }

    /// <summary>The info dictionary's <see cref="TorrentBuilder.SaltKey"/>, or null when absent.</summary>
    public string? Salt { get; init; }

    /// <summary>The number of bytes in piece <paramref name="index"/>: <see cref="PieceLength"/>, except for a shorter last piece.</summary>
    public long PieceSize(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PieceCount);
        return index < PieceCount - 1 ? PieceLength : Length - (long)PieceLength * (PieceCount - 1);
    }

    /// <summary>Where piece <paramref name="index"/> starts in the file.</summary>
    public long PieceOffset(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, PieceCount);
        return (long)PieceLength * index;
    }
}

/// <summary>The bytes are not a torrent this code can use; the message says why.</summary>
public sealed class InvalidTorrentException : FormatException
{
    public InvalidTorrentException(string message)
        : base(message)
    {
    }

    public InvalidTorrentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
