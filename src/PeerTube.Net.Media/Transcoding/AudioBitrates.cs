using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>PeerTube's getMaxAudioKBitrate: keep the input bitrate, up to a ceiling.</summary>
internal static class AudioBitrates
{
    public static long Target(AudioStreamInfo audio, AudioBitrateRules rules)
    {
        if (audio.BitRate is not > 0)
        {
            var lossless = rules.LosslessCodecs.Contains(audio.Codec, StringComparer.OrdinalIgnoreCase);
            return (lossless ? rules.UnknownLosslessKbps : rules.UnknownKbps) * 1000L;
        }

        return Math.Min(rules.MaxKbps, RoundedKbps(audio.BitRate.Value)) * 1000L;
    }

    public static long RoundedKbps(long bitsPerSecond) => (long)Math.Round(bitsPerSecond / 1000d, MidpointRounding.AwayFromZero);
}
