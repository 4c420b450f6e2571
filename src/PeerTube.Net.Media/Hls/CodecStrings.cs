using System.Globalization;
using PeerTube.Net.Media.Probing;

namespace PeerTube.Net.Media.Hls;

/// <summary>RFC 6381 codec strings for the master playlist's CODECS attribute, as PeerTube's getVideoStreamCodec / getAudioStreamCodec.</summary>
public static class CodecStrings
{
    // H.264 level 4.0 covers 1080p30; used when ffprobe does not report a level.
    private const int FallbackAvcLevel = 40;

    public static string ForVideo(VideoStreamInfo v)
    {
        ArgumentNullException.ThrowIfNull(v);

        switch (v.Codec.ToLowerInvariant())
        {
            case "vp9":
                return "vp09.00.50.08";
            case "hevc":
                return "hev1.1.6.L93.B0";
            case "av1":
                var av1Profile = v.Profile switch
                {
                    "Main" => "0",
                    "High" => "1",
                    "Professional" => "2",
                    _ => "1",
                };
                var av1Level = (v.Level ?? 8).ToString("00", CultureInfo.InvariantCulture);
                return $"av01.{av1Profile}.{av1Level}M.08";
            default:
                // profile_idc + constraint flags, spelled as PeerTube does; unknown profiles fall back to High.
                var avcProfile = v.Profile switch
                {
                    "Baseline" or "Constrained Baseline" => "42E0",
                    "Main" => "4D40",
                    "High 10" => "6E00",
                    "High 4:2:2" => "7A00",
                    "High 4:4:4 Predictive" => "F400",
                    _ => "6400",
                };
                var level = v.Level is > 0 and < 256 ? v.Level.Value : FallbackAvcLevel;
                return "avc1." + avcProfile + level.ToString("x2", CultureInfo.InvariantCulture);
        }
    }

    public static string ForAudio(AudioStreamInfo a)
    {
        ArgumentNullException.ThrowIfNull(a);

        return a.Codec.ToLowerInvariant() switch
        {
            "opus" => "opus",
            "vorbis" => "vorbis",
            "mp3" => "mp4a.40.34",
            "flac" => "fLaC",
            "aac" => a.Profile switch
            {
                "HE-AAC" => "mp4a.40.5",
                "HE-AACv2" => "mp4a.40.29",
                _ => "mp4a.40.2",
            },
            _ => "mp4a.40.2",
        };
    }
}
