using System.Text;

namespace PeerTube.Net.Media.Tests.Torrents;

/// <summary>Hand-written metainfo and deterministic content, so expected hashes can be worked out independently.</summary>
internal static class TorrentSamples
{
    /// <summary>Three made-up piece hashes: 60 bytes, most of them not valid UTF-8.</summary>
    public static byte[] FixedPieces { get; } = Enumerable.Range(0, 60).Select(i => (byte)(i * 13 % 256)).ToArray();

    /// <summary>The info dictionary of <see cref="Fixed"/>, byte for byte: 40 000 bytes in 16 KiB pieces (3 pieces).</summary>
    public static byte[] FixedInfo { get; } = Concat(
        "d6:lengthi40000e4:name9:video.mp412:piece lengthi16384e6:pieces60:", FixedPieces, "e");

    /// <summary>A canonical single-file torrent, as a tool would write it.</summary>
    public static byte[] Fixed { get; } = Concat(
        "d8:announce31:http://tracker.example/announce10:created by12:PeerTube.Net13:creation datei1700000000e4:info",
        FixedInfo,
        "e");

    /// <summary>SHA-1 of <see cref="FixedInfo"/>, worked out outside .NET (Python's hashlib; aria2c agrees).</summary>
    public const string FixedInfoHashHex = "1b26f23e53a057d1a2214df3bbac101ad54358e8";

    /// <summary>Deterministic, non-repeating-at-piece-boundaries content (251 is prime).</summary>
    public static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)((i * 7 + 3) % 251)).ToArray();

    public static byte[] Concat(params object[] parts) =>
        parts.SelectMany(p => p switch
        {
            string s => Encoding.ASCII.GetBytes(s),
            byte[] b => b,
            _ => throw new ArgumentException(p.GetType().Name),
        }).ToArray();

    public static byte[] Ascii(string s) => Encoding.Latin1.GetBytes(s);
}
