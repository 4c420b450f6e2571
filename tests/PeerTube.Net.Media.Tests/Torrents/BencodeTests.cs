using System.Buffers;
using System.Text;
using PeerTube.Net.Media.Torrents;
using static PeerTube.Net.Media.Tests.Torrents.TorrentSamples;

namespace PeerTube.Net.Media.Tests.Torrents;

public sealed class BencodeTests
{
    [Theory]
    [InlineData("i0e")]
    [InlineData("i-42e")]
    [InlineData("i9223372036854775807e")]
    [InlineData("i-9223372036854775808e")]
    [InlineData("0:")]
    [InlineData("4:spam")]
    [InlineData("le")]
    [InlineData("de")]
    [InlineData("l4:spami42ee")]
    [InlineData("d3:cow3:moo4:spam4:eggse")]
    [InlineData("d4:spaml1:a1:bee")]
    [InlineData("lllleeee")]
    public void Canonical_input_decodes_and_encodes_back_byte_for_byte(string text)
    {
        var bytes = Ascii(text);

        Assert.Equal(bytes, Bencode.Encode(Bencode.Decode(bytes)));
    }

    [Fact]
    public void Every_type_round_trips()
    {
        var value = BDictionary.Of(
            ("zero", 0),
            ("negative", -7),
            ("min", long.MinValue),
            ("max", long.MaxValue),
            ("text", "héllo wörld ✓"),
            ("binary", new byte[] { 0xFF, 0x00, 0xC3, 0x28, 0x80, 0xFE }),
            ("empty string", ""),
            ("empty list", BList.Empty),
            ("empty dictionary", BDictionary.Empty),
            ("nested", new object[] { 1, "two", new byte[] { 3 }, BList.Of(BList.Empty, BDictionary.Of(("deep", "yes"))) }),
            ("strings", new[] { "a", "b" }));

        var encoded = Bencode.Encode(value);
        var decoded = Assert.IsType<BDictionary>(Bencode.Decode(encoded));

        Assert.Equal(value, decoded);
        Assert.Equal(encoded, Bencode.Encode(decoded));
        Assert.Equal(new byte[] { 0xFF, 0x00, 0xC3, 0x28, 0x80, 0xFE }, Assert.IsType<BString>(decoded["binary"]).Bytes.ToArray());
        Assert.Equal("héllo wörld ✓", Assert.IsType<BString>(decoded["text"]).Text);
        Assert.Equal(long.MinValue, Assert.IsType<BInteger>(decoded["min"]).Value);
        Assert.Empty(Assert.IsType<BList>(decoded["empty list"]).Items);
        Assert.Empty(Assert.IsType<BDictionary>(decoded["empty dictionary"]).Entries);
    }

    [Fact]
    public void Encoding_writes_the_BEP3_examples()
    {
        Assert.Equal("4:spam", Text(BString.From("spam")));
        Assert.Equal("i3e", Text(new BInteger(3)));
        Assert.Equal("i-3e", Text(new BInteger(-3)));
        Assert.Equal("i0e", Text(new BInteger(0)));
        Assert.Equal("l4:spam4:eggse", Text(BList.Of(BString.From("spam"), BString.From("eggs"))));
        Assert.Equal("d3:cow3:moo4:spam4:eggse", Text(BDictionary.Of(("spam", "eggs"), ("cow", "moo"))));
        Assert.Equal("d4:spaml1:a1:bee", Text(BDictionary.Of(("spam", new[] { "a", "b" }))));
    }

    [Fact]
    public void Dictionary_keys_are_written_in_raw_byte_order()
    {
        Assert.Equal("d1:Bi4e1:ai2e2:abi3e1:bi1ee", Text(BDictionary.Of(("b", 1), ("a", 2), ("ab", 3), ("B", 4))));

        // U+FF61 sorts after U+1F600 as UTF-16 (0xFF61 > 0xD83D) but before it as UTF-8 (0xEF < 0xF0): bytes win.
        var encoded = Bencode.Encode(BDictionary.Of(("\U0001F600", 1), ("\uFF61", 2)));
        Assert.Equal(Concat("d3:", new byte[] { 0xEF, 0xBD, 0xA1 }, "i2e4:", new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, "i1ee"), encoded);
    }

    [Fact]
    public void Unsorted_keys_are_accepted_on_decode_and_sorted_on_encode()
    {
        var decoded = Assert.IsType<BDictionary>(Bencode.Decode(Ascii("d1:bi1e1:ai2ee")));

        Assert.Equal(["b", "a"], decoded.Entries.Keys);
        Assert.Equal("d1:ai2e1:bi1ee", Text(decoded));
    }

    [Fact]
    public void Binary_dictionary_keys_survive_decoding_and_encoding()
    {
        // A scrape response is keyed by raw 20-byte info-hashes.
        var infoHash = Convert.FromHexString(FixedInfoHashHex);
        var scrape = Concat("d5:filesd20:", infoHash, "d8:completei5e10:downloadedi50e10:incompletei10eeee");

        var decoded = Assert.IsType<BDictionary>(Bencode.Decode(scrape));
        var files = Assert.IsType<BDictionary>(decoded["files"]);
        var key = Assert.Single(files.Entries.Keys);

        Assert.Equal(infoHash, BDictionary.KeyToBytes(key));
        Assert.Equal(key, BDictionary.KeyFromBytes(infoHash));
        Assert.NotNull(files[BDictionary.KeyFromBytes(infoHash)]);
        Assert.Equal(scrape, Bencode.Encode(decoded));

        var built = BDictionary.Of(("files", BDictionary.Of(
            (BDictionary.KeyFromBytes(infoHash), BDictionary.Of(("complete", 5), ("downloaded", 50), ("incomplete", 10))))));
        Assert.Equal(scrape, Bencode.Encode(built));
    }

    [Fact]
    public void Keys_that_collide_as_bytes_are_refused_on_encode()
    {
        // "é" and its two bytes written as escapes are different strings but the same key bytes.
        var dictionary = BDictionary.Of(("é", 1), ("\uDCC3\uDCA9", 2));

        Assert.Throws<ArgumentException>(() => Bencode.Encode(dictionary));
    }

    [Fact]
    public void Of_leaves_out_null_values_and_refuses_what_bencode_cannot_hold()
    {
        Assert.Equal("d1:ai1ee", Text(BDictionary.Of(("a", 1), ("b", null))));
        Assert.Throws<ArgumentException>(() => BDictionary.Of(("a", 1), ("a", 2)));
        Assert.Throws<ArgumentException>(() => BDictionary.Of(("flag", true)));
        Assert.Throws<ArgumentException>(() => BDictionary.Of(("ratio", 0.5)));
    }

    [Fact]
    public void Values_compare_by_content()
    {
        Assert.Equal(BString.From("abc"), BString.From("abc"u8));
        Assert.Equal(BString.From("abc").GetHashCode(), BString.From("abc"u8).GetHashCode());
        Assert.NotEqual(BString.From("abc"), BString.From("abd"));
        Assert.Equal(BDictionary.Of(("a", 1), ("b", 2)), BDictionary.Of(("b", 2), ("a", 1)));
        Assert.NotEqual(BList.Of(new BInteger(1)), BList.Of(new BInteger(2)));
    }

    [Fact]
    public void Dictionary_accessors()
    {
        var dictionary = BDictionary.Of(("interval", 120), ("peers", new byte[] { 1, 2, 3, 4, 0x1A, 0xE1 }));

        Assert.True(dictionary.TryGet<BInteger>("interval", out var interval));
        Assert.Equal(120, interval.Value);
        Assert.False(dictionary.TryGet<BString>("interval", out _));
        Assert.False(dictionary.TryGet<BInteger>("missing", out _));
        Assert.Null(dictionary["missing"]);
        Assert.Equal(6, Assert.IsType<BString>(dictionary["peers"]).Length);
    }

    [Fact]
    public void Encoding_into_a_buffer_writer_matches_the_array_overload()
    {
        var value = BDictionary.Of(("interval", 120), ("peers", new byte[] { 1, 2, 3, 4, 0x1A, 0xE1 }));
        var writer = new ArrayBufferWriter<byte>();

        Bencode.Encode(value, writer);

        Assert.Equal(Bencode.Encode(value), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Decoding_one_value_from_the_front_reports_how_much_it_read()
    {
        var value = Bencode.Decode(Ascii("d1:ai1eeTRAILING"), out var consumed);

        Assert.Equal(8, consumed);
        Assert.Equal(BDictionary.Of(("a", 1)), value);
    }

    [Theory]
    [InlineData("", 0, "empty")]
    [InlineData("i", 1, "not closed with 'e'")]
    [InlineData("i42", 3, "not closed with 'e'")]
    [InlineData("ie", 1, "at least one digit")]
    [InlineData("i-e", 2, "at least one digit")]
    [InlineData("i-0e", 0, "-0")]
    [InlineData("i03e", 1, "leading zeros")]
    [InlineData("i-03e", 2, "leading zeros")]
    [InlineData("i00e", 1, "leading zeros")]
    [InlineData("i1.5e", 2, "expected a digit or 'e'")]
    [InlineData("i+1e", 1, "at least one digit")]
    [InlineData("i9223372036854775808e", 0, "64 bits")]
    [InlineData("i-9223372036854775809e", 0, "64 bits")]
    [InlineData("i99999999999999999999999999e", 0, "64 bits")]
    [InlineData("5:abc", 0, "declares 5 bytes but only 3 remain")]
    [InlineData("99999999999:", 0, "declares 99999999999 bytes, more than the limit")]
    [InlineData("99999999999999999999999999999999999:", 0, "more than the limit")]
    [InlineData("03:abc", 0, "leading zeros")]
    [InlineData("3abc", 1, "expected a digit or ':'")]
    [InlineData("3", 1, "has no ':'")]
    [InlineData("-1:a", 0, "expected a value")]
    [InlineData("x", 0, "expected a value")]
    [InlineData("e", 0, "unexpected 'e'")]
    [InlineData("l", 1, "list opened at byte 0 is not closed")]
    [InlineData("l1:a", 4, "list opened at byte 0 is not closed")]
    [InlineData("d", 1, "dictionary opened at byte 0 is not closed")]
    [InlineData("ldi1e", 2, "dictionary key must be a byte string, found 'i'")]
    [InlineData("dlee", 1, "dictionary key must be a byte string, found 'l'")]
    [InlineData("d1:ae", 4, "key \"a\" has no value")]
    [InlineData("d1:ai1e1:ai2ee", 7, "duplicate dictionary key \"a\"")]
    [InlineData("i1ei2e", 3, "trailing data")]
    [InlineData("lee", 2, "trailing data")]
    public void Malformed_input_is_rejected_with_what_and_where(string input, long position, string reason)
    {
        var e = Assert.Throws<BencodeException>(() => Bencode.Decode(Ascii(input)));

        Assert.Equal(position, e.Position);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {position}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused_without_exhausting_the_stack()
    {
        var deep = Encoding.ASCII.GetBytes(new string('l', 100_000));

        var e = Assert.Throws<BencodeException>(() => Bencode.Decode(deep));

        Assert.Equal(64, e.Position);
        Assert.Contains("nested more than 64 deep", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_within_a_raised_limit_decodes_iteratively()
    {
        const int Depth = 100_000;
        var balanced = Encoding.ASCII.GetBytes(new string('l', Depth) + new string('e', Depth));

        var value = Bencode.Decode(balanced, new BencodeLimits(MaxDepth: Depth));

        var depth = 0;
        while (value is BList { Count: > 0 } list)
        {
            value = list[0];
            depth++;
        }

        Assert.Equal(Depth - 1, depth);
    }

    [Fact]
    public void Limits_on_items_and_string_length_hold()
    {
        var manyItems = Ascii("l" + string.Concat(Enumerable.Repeat("i0e", 11)) + "e");
        var items = Assert.Throws<BencodeException>(() => Bencode.Decode(manyItems, new BencodeLimits(MaxItems: 10)));
        Assert.Contains("more than 10 values", items.Message, StringComparison.Ordinal);
        Assert.Equal(28, items.Position);

        var longString = Assert.Throws<BencodeException>(() => Bencode.Decode(Ascii("l3:abc5:abcdee"), new BencodeLimits(MaxStringLength: 4)));
        Assert.Equal(6, longString.Position);
    }

    [Fact]
    public void Every_truncation_of_a_valid_torrent_is_a_clean_error()
    {
        var torrent = Fixed;
        Assert.IsType<BDictionary>(Bencode.Decode(torrent));

        for (var length = 0; length < torrent.Length; length++)
        {
            var e = Assert.Throws<BencodeException>(() => Bencode.Decode(torrent.AsSpan(0, length)));
            Assert.InRange(e.Position, 0, length);
        }
    }

    [Fact]
    public void Random_corruption_only_ever_raises_BencodeException()
    {
        var random = new Random(20240601);
        var original = Fixed;
        for (var round = 0; round < 3000; round++)
        {
            var mutated = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            var cut = random.Next(2) == 0 ? mutated.Length : random.Next(mutated.Length + 1);
            try
            {
                var value = Bencode.Decode(mutated.AsSpan(0, cut));
                Assert.NotNull(value);
            }
            catch (BencodeException)
            {
            }
        }
    }

    private static string Text(BValue value) => Encoding.UTF8.GetString(Bencode.Encode(value));
}
