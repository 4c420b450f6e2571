using System.Security.Cryptography;
using PeerTube.Net.Media.Torrents;
using static PeerTube.Net.Media.Tests.Torrents.TorrentSamples;

namespace PeerTube.Net.Media.Tests.Torrents;

public sealed class TorrentParserTests
{
    [Fact]
    public void Info_hash_is_SHA1_of_the_info_dictionary_bytes()
    {
        // Worked out here from the raw bytes: the info dictionary is the value after "4:info", up to the final "e".
        var marker = Ascii("4:info");
        var start = Fixed.AsSpan().IndexOf(marker) + marker.Length;
        var rawInfo = Fixed[start..^1];
        Assert.Equal(FixedInfo, rawInfo);
        Assert.Equal(FixedInfoHashHex, Convert.ToHexStringLower(SHA1.HashData(rawInfo)));

        var torrent = TorrentParser.Parse(Fixed);

        Assert.Equal(FixedInfoHashHex, torrent.InfoHashHex);
        Assert.Equal(SHA1.HashData(rawInfo), torrent.InfoHash);
        Assert.Equal(Fixed, torrent.Bytes);
    }

    [Fact]
    public void Parsing_twice_or_re_encoding_gives_the_same_hash()
    {
        var first = TorrentParser.Parse(Fixed);
        var second = TorrentParser.Parse(Fixed);
        var reEncoded = Bencode.Encode(Bencode.Decode(Fixed));

        Assert.Equal(Fixed, reEncoded);
        Assert.Equal(first.InfoHashHex, second.InfoHashHex);
        Assert.Equal(first.InfoHashHex, TorrentParser.Parse(reEncoded).InfoHashHex);
    }

    [Fact]
    public void Info_hash_covers_the_bytes_as_written_not_a_re_encoding()
    {
        // Keys out of order inside info: a re-encoding would sort them and change the hash; clients hash what is there.
        var unsortedInfo = Concat("d4:name9:video.mp46:lengthi40000e12:piece lengthi16384e6:pieces60:", FixedPieces, "e");
        var torrent = Concat("d4:info", unsortedInfo, "e");

        var parsed = TorrentParser.Parse(torrent);

        Assert.Equal("69e619d9b6ed79f0dc3b3688ae7cecb369b3b5c9", parsed.InfoHashHex);
        Assert.Equal(SHA1.HashData(unsortedInfo), parsed.InfoHash);
        Assert.NotEqual(FixedInfoHashHex, parsed.InfoHashHex);
    }

    [Fact]
    public void Fields_are_read()
    {
        var torrent = TorrentParser.Parse(Fixed);

        Assert.Equal("video.mp4", torrent.Name);
        Assert.Equal(40_000, torrent.Length);
        Assert.Equal(16_384, torrent.PieceLength);
        Assert.Equal(3, torrent.PieceCount);
        Assert.Equal(FixedPieces[..20], torrent.PieceHashes[0]);
        Assert.Equal(FixedPieces[40..], torrent.PieceHashes[2]);
        Assert.Equal([16_384L, 16_384L, 7_232L], Enumerable.Range(0, 3).Select(torrent.PieceSize));
        Assert.Equal(32_768, torrent.PieceOffset(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => torrent.PieceSize(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => torrent.PieceSize(-1));
        Assert.Equal("http://tracker.example/announce", torrent.Announce);
        Assert.Equal([["http://tracker.example/announce"]], torrent.AnnounceList);
        Assert.Empty(torrent.WebSeeds);
        Assert.Equal("PeerTube.Net", torrent.CreatedBy);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), torrent.CreationDate);
        Assert.Null(torrent.Comment);
        Assert.False(torrent.Private);
    }

    [Fact]
    public void Announce_list_wins_over_announce_and_url_list_may_be_a_single_string()
    {
        var bytes = Bencode.Encode(BDictionary.Of(
            ("announce", "http://a/announce"),
            ("announce-list", new[] { new[] { "http://b/announce", "http://c/announce" }, new[] { "wss://d/socket" } }),
            ("url-list", "http://e/video.mp4"),
            ("info", Bencode.Decode(FixedInfo))));

        var torrent = TorrentParser.Parse(bytes);

        Assert.Equal([["http://b/announce", "http://c/announce"], ["wss://d/socket"]], torrent.AnnounceList);
        Assert.Equal("http://a/announce", torrent.Announce);
        Assert.Equal(["http://e/video.mp4"], torrent.WebSeeds);
    }

    [Fact]
    public void Malformed_optional_fields_are_ignored_as_clients_do()
    {
        var bytes = Bencode.Encode(BDictionary.Of(
            ("announce-list", new object[] { 42, new object[] { "", 7 }, "http://flat/announce" }),
            ("url-list", 5),
            ("comment", 1),
            ("creation date", "yesterday"),
            ("info", Bencode.Decode(FixedInfo))));

        var torrent = TorrentParser.Parse(bytes);

        Assert.Equal([["http://flat/announce"]], torrent.AnnounceList);
        Assert.Empty(torrent.WebSeeds);
        Assert.Null(torrent.Comment);
        Assert.Null(torrent.CreationDate);
    }

    [Fact]
    public void Private_flag_is_read()
    {
        var info = Concat("d6:lengthi40000e4:name9:video.mp412:piece lengthi16384e6:pieces60:", FixedPieces, "7:privatei1ee");

        Assert.True(TorrentParser.Parse(Concat("d4:info", info, "e")).Private);
    }

    [Fact]
    public void A_zero_length_torrent_parses_with_no_pieces()
    {
        // aria2c and WebTorrent accept these; TorrentBuilder will not make one.
        var torrent = TorrentParser.Parse(Ascii("d4:infod6:lengthi0e4:name5:empty12:piece lengthi16384e6:pieces0:ee"));

        Assert.Equal(0, torrent.Length);
        Assert.Equal(0, torrent.PieceCount);
    }

    [Theory]
    [InlineData("le", "top-level value is a list")]
    [InlineData("i1e", "top-level value is an integer")]
    [InlineData("de", "no 'info' dictionary")]
    [InlineData("d4:infoi1ee", "'info' is an integer")]
    [InlineData("d4:infod5:filesle4:name1:x12:piece lengthi16384e6:pieces0:ee", "Multi-file torrents are not supported")]
    [InlineData("d4:infod6:lengthi1e12:piece lengthi16384e6:pieces0:ee", "'info.name' is missing")]
    [InlineData("d4:infod6:lengthi1e4:name0:12:piece lengthi16384e6:pieces0:ee", "'info.name' is missing or empty")]
    [InlineData("d4:infod4:name1:x12:piece lengthi16384e6:pieces0:ee", "'info.length' is missing")]
    [InlineData("d4:infod6:length1:14:name1:x12:piece lengthi16384e6:pieces0:ee", "'info.length' is a byte string")]
    [InlineData("d4:infod6:lengthi-1e4:name1:x12:piece lengthi16384e6:pieces0:ee", "'info.length' is negative")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi0e6:pieces0:ee", "'info.piece length' is 0")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi999999999999e6:pieces0:ee", "'info.piece length' is 999999999999")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384eee", "'info.pieces' is missing")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces3:abcee", "not a multiple of 20")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces0:ee", "holds 0 hashes, but 1 bytes in pieces of 16384 make 1")]
    [InlineData("d4:infod6:lengthi1e4:name1:x12:piece lengthi16384e6:pieces0:eeXYZ", "trailing data")]
    [InlineData("d4:infod6:lengthi1e4:name1:x", "Not a torrent: Invalid bencode")]
    public void Invalid_torrents_say_why(string torrent, string reason)
    {
        var e = Assert.Throws<InvalidTorrentException>(() => TorrentParser.Parse(Ascii(torrent)));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_of_a_valid_torrent_is_an_InvalidTorrentException()
    {
        for (var length = 0; length < Fixed.Length; length++)
        {
            var e = Assert.Throws<InvalidTorrentException>(() => TorrentParser.Parse(Fixed.AsSpan(0, length)));
            Assert.IsType<BencodeException>(e.InnerException);
        }
    }
}
