using PeerTube.Net.Media.Torrents;
using static PeerTube.Net.Media.Tests.Torrents.TorrentSamples;

namespace PeerTube.Net.Media.Tests.Torrents;

public sealed class MagnetUriTests
{
    private static TorrentMetainfo Torrent(string name) => TorrentParser.Parse(Bencode.Encode(BDictionary.Of(
        ("announce-list", new[] { new[] { "wss://peertube.example:443/tracker/socket" }, new[] { "https://peertube.example/tracker/announce" } }),
        ("url-list", new[] { "https://peertube.example/static/web-videos/abc-720.mp4" }),
        ("info", BDictionary.Of(("length", 40_000), ("name", name), ("piece length", 16_384), ("pieces", FixedPieces))))));

    [Fact]
    public void Magnet_is_PeerTube_style()
    {
        var torrent = Torrent("My video 720p.mp4");

        var magnet = MagnetUri.Build(torrent, "https://peertube.example/lazy-static/torrents/abc-720.torrent");

        Assert.Equal(
            "magnet:?xs=https%3A%2F%2Fpeertube.example%2Flazy-static%2Ftorrents%2Fabc-720.torrent" +
            $"&xt=urn:btih:{torrent.InfoHashHex}" +
            "&dn=My+video+720p.mp4" +
            "&tr=wss%3A%2F%2Fpeertube.example%3A443%2Ftracker%2Fsocket" +
            "&tr=https%3A%2F%2Fpeertube.example%2Ftracker%2Fannounce" +
            "&ws=https%3A%2F%2Fpeertube.example%2Fstatic%2Fweb-videos%2Fabc-720.mp4",
            magnet);
    }

    [Fact]
    public void Values_are_escaped_like_encodeURIComponent()
    {
        var magnet = MagnetUri.Build(Torrent("Été (1)! a&b=c+d ~*'.mp4"), torrentUrl: null);

        Assert.StartsWith("magnet:?xt=urn:btih:", magnet, StringComparison.Ordinal);
        Assert.Contains("&dn=%C3%89t%C3%A9+(1)!+a%26b%3Dc%2Bd+~*'.mp4&", magnet, StringComparison.Ordinal);
    }
}
