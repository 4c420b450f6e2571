using System.Text;

namespace PeerTube.Net.Media.Torrents;

/// <summary>Magnet links as PeerTube writes them (its generateMagnetUri through the magnet-uri package).</summary>
public static class MagnetUri
{
    /// <summary>
    /// <c>magnet:?xs=…&amp;xt=urn:btih:…&amp;dn=…&amp;tr=…&amp;ws=…</c>, in that order: <c>xs</c> the .torrent URL (left out when
    /// null), <c>xt</c> the hex info-hash, <c>dn</c> the name, one <c>tr</c> per tracker (tiers flattened, duplicates
    /// dropped), one <c>ws</c> per web seed. Values are escaped like JavaScript's encodeURIComponent, and <c>dn</c> writes
    /// spaces as <c>+</c>, exactly as magnet-uri does.
    /// </summary>
    public static string Build(TorrentMetainfo torrent, string? torrentUrl)
    {
        ArgumentNullException.ThrowIfNull(torrent);

        var parameters = new List<string>();
        if (!string.IsNullOrEmpty(torrentUrl))
        {
            parameters.Add("xs=" + EncodeUriComponent(torrentUrl));
        }

        parameters.Add("xt=urn:btih:" + torrent.InfoHashHex);
        parameters.Add("dn=" + EncodeUriComponent(torrent.Name).Replace("%20", "+", StringComparison.Ordinal));
        parameters.AddRange(torrent.AnnounceList.SelectMany(tier => tier).Distinct(StringComparer.Ordinal).Select(url => "tr=" + EncodeUriComponent(url)));
        parameters.AddRange(torrent.WebSeeds.Select(url => "ws=" + EncodeUriComponent(url)));

        return "magnet:?" + string.Join('&', parameters);
    }

    /// <summary>
    /// JavaScript's encodeURIComponent: UTF-8, everything percent-escaped but <c>A–Z a–z 0–9 - _ . ! ~ * ' ( )</c>.
    /// (<see cref="Uri.EscapeDataString(string)"/> also escapes <c>! * ' ( )</c>, which would not match PeerTube's links.)
    /// </summary>
    internal static string EncodeUriComponent(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'!' or (byte)'~' or (byte)'*' or (byte)'\'' or (byte)'(' or (byte)')')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
