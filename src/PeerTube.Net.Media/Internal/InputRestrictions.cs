using PeerTube.Net.Media.Probing;

namespace PeerTube.Net.Media.Internal;

/// <summary>
/// What ffmpeg and ffprobe may open when they read an uploaded file. The file may be anything a user chose to send: an
/// HLS playlist or a concat list would make the tools fetch URLs (a server-side request forgery) or read other files.
/// </summary>
internal static class InputRestrictions
{
    /// <summary>Only local files (and pipes): no http, tcp, udp, rtmp, data, subfile or crypto URLs.</summary>
    public const string ProtocolWhitelist = "file,pipe";

    public const string ProtocolWhitelistArgument = "-protocol_whitelist " + ProtocolWhitelist;

    // Demuxers whose input names other inputs (playlists, lists, manifests, session descriptions) or is not media at all
    // (tty renders any text file as video; ffmetadata is a metadata file). ffprobe's format_name lists a demuxer's names.
    private static readonly HashSet<string> RefusedFormats = new(StringComparer.OrdinalIgnoreCase)
    {
        "hls", "applehttp", "m3u8", "concat", "ffconcat", "dash", "webm_dash_manifest", "sdp", "rtsp", "rtp", "tty", "ffmetadata",
    };

    /// <exception cref="MediaRefusedException">The format is one ffmpeg must not read from an upload.</exception>
    public static void EnsureAcceptedFormat(string formatName)
    {
        var refused = formatName.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(RefusedFormats.Contains);
        if (refused is not null)
        {
            throw new MediaRefusedException(MediaRefusedException.FormatRefused,
                $"Files of format '{refused}' are not accepted: playlists and lists of other files cannot be uploaded.");
        }
    }
}
