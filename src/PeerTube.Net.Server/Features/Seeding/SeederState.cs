using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Features.Torrents;

namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>What the seeder is doing now: where it listens, what it seeds and how much it has sent. Counters start at zero with the process.</summary>
public sealed class SeederState
{
    /// <summary>Azureus-style client prefix: PeerTube.Net 0.1.0.0.</summary>
    public const string PeerIdPrefix = "-PN0100-";

    private readonly ConcurrentDictionary<string, SeededTorrent> _torrents = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<int> _firstListening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _bytesUploaded;
    private volatile IPEndPoint? _listening;

    public byte[] PeerId { get; } = NewPeerId();

    /// <summary>The bound TCP port (the real one when Seeding:Port is 0), or null while not listening.</summary>
    public int? ListeningPort => _listening?.Port;

    /// <summary>What the tracker was given for this seeder, once listening.</summary>
    public IPEndPoint? AnnouncedEndpoint { get; internal set; }

    public long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

    public IReadOnlyList<SeededTorrent> Torrents => _torrents.Values.ToList();

    /// <summary>Completes with the port the first time the seeder listens.</summary>
    public Task<int> WaitUntilListeningAsync(CancellationToken ct) => _firstListening.Task.WaitAsync(ct);

    public bool TryGet(string infoHashHex, out SeededTorrent torrent) => _torrents.TryGetValue(infoHashHex, out torrent!);

    internal void SetListening(IPEndPoint? endpoint)
    {
        _listening = endpoint;
        if (endpoint is not null)
        {
            _firstListening.TrySetResult(endpoint.Port);
        }
    }

    /// <summary>Adds the torrent unless another thread loaded it first; returns the one kept.</summary>
    internal SeededTorrent Add(SeededTorrent torrent) => _torrents.GetOrAdd(torrent.InfoHashHex, torrent);

    internal bool TryRemove(string infoHashHex, out SeededTorrent torrent) => _torrents.TryRemove(infoHashHex, out torrent!);

    internal void AddUploaded(SeededTorrent torrent, int bytes)
    {
        torrent.AddUploaded(bytes);
        Interlocked.Add(ref _bytesUploaded, bytes);
    }

    private static byte[] NewPeerId()
    {
        const string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var suffix = RandomNumberGenerator.GetString(alphabet, 20 - PeerIdPrefix.Length);
        return System.Text.Encoding.ASCII.GetBytes(PeerIdPrefix + suffix);
    }
}

/// <summary>One torrent being seeded: its parsed metainfo, its media file, and what peers took of it.</summary>
public sealed class SeededTorrent
{
    private readonly CancellationTokenSource _withdrawn = new();
    private long _bytesUploaded;
    private int _peers;

    private SeededTorrent(TorrentMetainfo metainfo, string filePath)
    {
        Metainfo = metainfo;
        FilePath = filePath;
    }

    public TorrentMetainfo Metainfo { get; }
    public string FilePath { get; }
    public string InfoHashHex => Metainfo.InfoHashHex;

    /// <summary>Peers past the handshake right now.</summary>
    public int Peers => Volatile.Read(ref _peers);

    public long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

    /// <summary>Cancelled when the torrent leaves the catalog (video deleted or made unavailable): its peers are let go.</summary>
    internal CancellationToken Withdrawn => _withdrawn.Token;

    /// <summary>Reads and checks the .torrent against the catalog entry and the media file on disk.</summary>
    /// <exception cref="FormatException">The .torrent is unreadable (<see cref="InvalidTorrentException"/>) or does not describe the media file.</exception>
    /// <exception cref="IOException">A file is missing or unreadable.</exception>
    public static async Task<SeededTorrent> LoadAsync(SeedableTorrent entry, CancellationToken ct)
    {
        var metainfo = TorrentParser.Parse(await File.ReadAllBytesAsync(entry.TorrentPath, ct));
        if (!string.Equals(metainfo.InfoHashHex, entry.InfoHashHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidTorrentException(
                $"{Path.GetFileName(entry.TorrentPath)} has info-hash {metainfo.InfoHashHex}, but the catalog says {entry.InfoHashHex}.");
        }

        var length = new FileInfo(entry.FilePath).Length;
        if (length != metainfo.Length)
        {
            throw new InvalidTorrentException(
                $"{Path.GetFileName(entry.TorrentPath)} describes {metainfo.Length} bytes, but {entry.FilePath} has {length}.");
        }

        return new SeededTorrent(metainfo, entry.FilePath);
    }

    internal void Withdraw() => _withdrawn.Cancel();

    internal void PeerConnected() => Interlocked.Increment(ref _peers);

    internal void PeerDisconnected() => Interlocked.Decrement(ref _peers);

    internal void AddUploaded(int bytes) => Interlocked.Add(ref _bytesUploaded, bytes);
}
