using System.Security.Cryptography;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Torrents;
using static PeerTube.Net.Media.Tests.Torrents.TorrentSamples;

namespace PeerTube.Net.Media.Tests.Torrents;

public sealed class TorrentBuilderTests : IDisposable
{
    private const int KiB = 1024;
    private const long MiB = 1024 * KiB;
    private const long GiB = 1024 * MiB;

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static TorrentOptions PeerTubeLike(string name = "My video 720p.mp4") => new(
        name,
        [["wss://peertube.example:443/tracker/socket"], ["https://peertube.example/tracker/announce"]],
        ["https://peertube.example/static/web-videos/abc-720.mp4"],
        CreationDate: DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

    [Fact]
    public async Task Piece_hashes_are_SHA1_of_each_slice_and_the_last_piece_is_shorter()
    {
        var content = Pattern(100_000);
        var path = await WriteAsync("pattern.bin", content);

        var torrent = await TorrentBuilder.CreateAsync(path, PeerTubeLike(), TestContext.Current.CancellationToken);

        Assert.Equal(100_000, torrent.Length);
        Assert.Equal(16 * KiB, torrent.PieceLength);
        Assert.Equal(7, torrent.PieceCount);
        for (var i = 0; i < torrent.PieceCount; i++)
        {
            var slice = content.AsSpan(i * 16 * KiB, (int)torrent.PieceSize(i));
            Assert.Equal(SHA1.HashData(slice), torrent.PieceHashes[i]);
        }

        Assert.Equal(100_000 - 6 * 16 * KiB, torrent.PieceSize(6));
    }

    [Fact]
    public async Task A_file_that_is_an_exact_multiple_of_the_piece_length_has_no_short_piece()
    {
        var content = Pattern(4 * 16 * KiB);
        var path = await WriteAsync("exact.bin", content);

        var torrent = await TorrentBuilder.CreateAsync(path, PeerTubeLike(), TestContext.Current.CancellationToken);

        Assert.Equal(4, torrent.PieceCount);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(16 * KiB, torrent.PieceSize(i)));
        Assert.Equal(SHA1.HashData(content.AsSpan(3 * 16 * KiB)), torrent.PieceHashes[3]);
    }

    [Fact]
    public async Task Pieces_larger_than_one_read_are_hashed_across_reads()
    {
        var content = Pattern((int)(5 * MiB) + 7);
        var path = await WriteAsync("big.bin", content);
        var options = PeerTubeLike() with { PieceLength = (int)(2 * MiB) };

        var torrent = await TorrentBuilder.CreateAsync(path, options, TestContext.Current.CancellationToken);

        Assert.Equal(3, torrent.PieceCount);
        Assert.Equal(MiB + 7, torrent.PieceSize(2));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SHA1.HashData(content.AsSpan((int)torrent.PieceOffset(i), (int)torrent.PieceSize(i))), torrent.PieceHashes[i]);
        }
    }

    [Fact]
    public async Task An_empty_file_is_refused()
    {
        var path = await WriteAsync("empty.bin", []);

        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => TorrentBuilder.CreateAsync(path, PeerTubeLike(), TestContext.Current.CancellationToken));

        Assert.Contains("empty file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_hash_depends_on_content_not_on_creation_date_or_trackers()
    {
        var path = await WriteAsync("pattern.bin", Pattern(100_000));
        var ct = TestContext.Current.CancellationToken;

        var first = await TorrentBuilder.CreateAsync(path, PeerTubeLike(), ct);
        var later = await TorrentBuilder.CreateAsync(
            path, PeerTubeLike() with { CreationDate = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), AnnounceList = [], WebSeeds = [] }, ct);
        var now = await TorrentBuilder.CreateAsync(path, PeerTubeLike() with { CreationDate = null }, ct);
        var renamed = await TorrentBuilder.CreateAsync(path, PeerTubeLike("Other name 720p.mp4"), ct);
        var privateOne = await TorrentBuilder.CreateAsync(path, PeerTubeLike() with { Private = true }, ct);

        Assert.NotEqual(first.Bytes, later.Bytes);
        Assert.Equal(first.InfoHashHex, later.InfoHashHex);
        Assert.Equal(first.InfoHashHex, now.InfoHashHex);
        Assert.NotEqual(first.InfoHashHex, renamed.InfoHashHex);
        Assert.NotEqual(first.InfoHashHex, privateOne.InfoHashHex);
        Assert.True(privateOne.Private);
    }

    [Fact]
    public async Task A_salt_goes_inside_the_info_dictionary_so_each_salt_gives_the_same_file_another_info_hash()
    {
        var path = await WriteAsync("pattern.bin", Pattern(100_000));
        var ct = TestContext.Current.CancellationToken;

        var unsalted = await TorrentBuilder.CreateAsync(path, PeerTubeLike(), ct);
        var salted = await TorrentBuilder.CreateAsync(path, PeerTubeLike() with { Salt = "0123456789abcdef" }, ct);
        var sameSalt = await TorrentBuilder.CreateAsync(path, PeerTubeLike() with { Salt = "0123456789abcdef", WebSeeds = [] }, ct);
        var otherSalt = await TorrentBuilder.CreateAsync(path, PeerTubeLike() with { Salt = "fedcba9876543210" }, ct);

        Assert.Null(unsalted.Salt);
        Assert.Equal("0123456789abcdef", salted.Salt);
        Assert.NotEqual(unsalted.InfoHashHex, salted.InfoHashHex);
        Assert.Equal(salted.InfoHashHex, sameSalt.InfoHashHex);
        Assert.NotEqual(salted.InfoHashHex, otherSalt.InfoHashHex);
        Assert.Equal(unsalted.PieceHashes, salted.PieceHashes);

        var info = Assert.IsType<BDictionary>(Assert.IsType<BDictionary>(Bencode.Decode(salted.Bytes))["info"]);
        Assert.Equal(["length", "name", "peertube-net-salt", "piece length", "pieces"], info.Entries.Keys);
        Assert.Equal(SHA1.HashData(Bencode.Encode(info)), salted.InfoHash);
        await Assert.ThrowsAsync<ArgumentException>(() => TorrentBuilder.CreateAsync(path, PeerTubeLike() with { Salt = "" }, ct));
    }

    [Fact]
    public async Task Layout_is_what_create_torrent_writes_for_PeerTube()
    {
        var path = await WriteAsync("pattern.bin", Pattern(100_000));

        var torrent = await TorrentBuilder.CreateAsync(
            path, PeerTubeLike() with { Comment = "hello" }, TestContext.Current.CancellationToken);

        var root = Assert.IsType<BDictionary>(Bencode.Decode(torrent.Bytes));
        Assert.Equal(torrent.Bytes, Bencode.Encode(root)); // canonical: sorted keys
        Assert.Equal(
            ["announce", "announce-list", "comment", "created by", "creation date", "encoding", "info", "url-list"],
            root.Entries.Keys);
        Assert.Equal("wss://peertube.example:443/tracker/socket", Assert.IsType<BString>(root["announce"]).Text);
        Assert.Equal(
            BList.Of(BList.Of(BString.From("wss://peertube.example:443/tracker/socket")), BList.Of(BString.From("https://peertube.example/tracker/announce"))),
            root["announce-list"]);
        Assert.Equal("PeerTube.Net", Assert.IsType<BString>(root["created by"]).Text);
        Assert.Equal(1_700_000_000, Assert.IsType<BInteger>(root["creation date"]).Value);
        Assert.Equal(BList.Of(BString.From("https://peertube.example/static/web-videos/abc-720.mp4")), root["url-list"]);

        var info = Assert.IsType<BDictionary>(root["info"]);
        Assert.Equal(["length", "name", "piece length", "pieces"], info.Entries.Keys);
        Assert.Equal(SHA1.HashData(Bencode.Encode(info)), torrent.InfoHash);

        Assert.Equal("My video 720p.mp4", torrent.Name);
        Assert.Equal([["wss://peertube.example:443/tracker/socket"], ["https://peertube.example/tracker/announce"]], torrent.AnnounceList);
        Assert.Equal(["https://peertube.example/static/web-videos/abc-720.mp4"], torrent.WebSeeds);
        Assert.Equal("hello", torrent.Comment);
    }

    [Fact]
    public async Task Without_trackers_or_web_seeds_those_keys_are_left_out()
    {
        var path = await WriteAsync("pattern.bin", Pattern(1000));

        var torrent = await TorrentBuilder.CreateAsync(path, new TorrentOptions("x.mp4", [], []), TestContext.Current.CancellationToken);

        var root = Assert.IsType<BDictionary>(Bencode.Decode(torrent.Bytes));
        Assert.Equal(["created by", "creation date", "encoding", "info"], root.Entries.Keys);
        Assert.Empty(torrent.AnnounceList);
        Assert.Empty(torrent.WebSeeds);
        Assert.Null(torrent.Announce);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("a/b.mp4")]
    [InlineData("a\\b.mp4")]
    [InlineData("..")]
    public async Task Names_that_are_not_plain_file_names_are_refused(string name)
    {
        var path = await WriteAsync("pattern.bin", Pattern(1000));

        await Assert.ThrowsAsync<ArgumentException>(
            () => TorrentBuilder.CreateAsync(path, PeerTubeLike(name), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(16 * KiB + 1)]
    [InlineData(3 * 16 * KiB)]
    public async Task Piece_lengths_that_are_not_powers_of_two_from_16_KiB_are_refused(int pieceLength)
    {
        var path = await WriteAsync("pattern.bin", Pattern(1000));

        await Assert.ThrowsAsync<ArgumentException>(
            () => TorrentBuilder.CreateAsync(path, PeerTubeLike() with { PieceLength = pieceLength }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Empty_tracker_tiers_are_refused()
    {
        var path = await WriteAsync("pattern.bin", Pattern(1000));

        await Assert.ThrowsAsync<ArgumentException>(
            () => TorrentBuilder.CreateAsync(path, PeerTubeLike() with { AnnounceList = [[]] }, TestContext.Current.CancellationToken));
    }

    [Theory]
    // The piece-length package's own test cases (create-torrent uses it)...
    [InlineData(1, 16 * KiB)]
    [InlineData(4 * MiB, 16 * KiB)]
    [InlineData(50 * MiB, 64 * KiB)]
    [InlineData(130 * MiB, 128 * KiB)]
    [InlineData(350 * MiB, 256 * KiB)]
    [InlineData(700 * MiB, 512 * KiB)]
    [InlineData((long)(1.4 * GiB), 1 * MiB)]
    [InlineData((long)(2.5 * GiB), 2 * MiB)]
    [InlineData((long)(4.5 * GiB), 4 * MiB)]
    // ...and around the edges: nothing below 16 KiB, nothing above create-torrent's 4 MiB default maximum.
    [InlineData(0, 16 * KiB)]
    [InlineData(5000, 16 * KiB)]
    [InlineData(3 * MiB + 123, 16 * KiB)]
    [InlineData(24 * MiB, 32 * KiB)]
    [InlineData(23 * MiB, 32 * KiB)]
    [InlineData(22 * MiB, 16 * KiB)]
    [InlineData(3 * GiB, 4 * MiB)]
    [InlineData(40 * GiB, 4 * MiB)]
    [InlineData(2048 * GiB, 4 * MiB)]
    [InlineData(long.MaxValue, 4 * MiB)]
    public void Piece_length_follows_webtorrents_rule(long fileSize, long expected)
    {
        Assert.Equal(expected, TorrentBuilder.ChoosePieceLength(fileSize));
    }

    private async Task<string> WriteAsync(string name, byte[] content)
    {
        var path = _temp.File(name);
        await File.WriteAllBytesAsync(path, content, TestContext.Current.CancellationToken);
        return path;
    }
}
