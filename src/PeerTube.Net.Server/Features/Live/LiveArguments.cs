using System.Globalization;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// The ffmpeg command of one live: the FLV from the RTMP ingest on stdin, one H.264/AAC rendition (the source's height,
/// capped by Live:MaxResolution and the profile's largest resolution, never upscaled) as a rolling fragmented-MP4 HLS
/// playlist next to PeerTube's master playlist. An argument list, never a command string. The playlists keep their
/// names (the player follows them); segments are named anew for each stream.
/// </summary>
public static class LiveArguments
{
    public const string MasterFilename = "master.m3u8";
    /// <summary>The swarm of a live is found by this name (Peers.SwarmIds).</summary>
    public const string MediaPlaylistFilename = Peers.SwarmIds.LivePlaylistFilename;
    public const string SegmentsSha256Filename = "segments-sha256.json";

    /// <summary>PeerTube's segment durations per latency mode: small latency keeps segments short, high latency long.</summary>
    public static int SegmentSeconds(LiveLatencyMode mode) => mode switch
    {
        LiveLatencyMode.SmallLatency => 2,
        LiveLatencyMode.HighLatency => 6,
        _ => 4,
    };

    /// <param name="segmentPrefix">New for each stream: segment names are served as immutable, so a permanent live's second stream must not reuse the first's.</param>
    /// <param name="keepSegments">For a live that saves its replay: segments that leave the rolling playlist stay on disk (the replay is made of them).</param>
    public static IReadOnlyList<string> Build(string hlsDirectory, string segmentPrefix, TranscodingProfile profile, LiveLatencyMode mode, LiveOptions options,
        bool keepSegments = false)
    {
        var height = Math.Min(options.MaxResolution, profile.Resolutions.Max());
        var segment = SegmentSeconds(mode);
        // A keyframe at least at every segment boundary, so each segment starts one and players may join at any.
        var keyframe = mode == LiveLatencyMode.SmallLatency ? 1 : 2;
        var maxBitrate = MaxBitrate(profile, height);
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-loglevel", "warning",
            "-f", "flv", "-i", "pipe:0",
            "-map", "0:v:0?", "-map", "0:a:0?",
            "-c:v", profile.Video.Encoder,
        };
        if (profile.Video.Encoder == "libx264")
        {
            args.AddRange(["-preset", "veryfast", "-tune", "zerolatency"]);
        }

        args.AddRange([
            "-vf", $"scale=-2:'min({I(height)},trunc(ih/2)*2)',format=yuv420p",
            "-maxrate:v", I(maxBitrate), "-bufsize:v", I(maxBitrate * 2),
            "-sc_threshold", "0", "-force_key_frames", $"expr:gte(t,n_forced*{I(keyframe)})",
            "-c:a", profile.Audio.Encoder, "-b:a", I(Math.Min(profile.AudioBitrate.MaxKbps, 160) * 1000), "-ac", "2",
            "-f", "hls",
            "-hls_time", I(segment),
            "-hls_list_size", I(options.PlaylistSize),
            "-hls_flags", keepSegments ? "independent_segments+program_date_time" : "delete_segments+independent_segments+program_date_time",
            "-hls_segment_type", "fmp4",
            "-hls_fmp4_init_filename", $"{segmentPrefix}-0-init.mp4",
            "-hls_segment_filename", Path.Combine(hlsDirectory, $"{segmentPrefix}-0-%06d.mp4"),
            "-master_pl_name", MasterFilename,
            Path.Combine(hlsDirectory, MediaPlaylistFilename),
        ]);
        return args;
    }

    /// <summary>The profile's highest bits-per-pixel at that height, 16:9, 30 fps: a cap, not a target (the encoder's quality mode decides below it).</summary>
    private static long MaxBitrate(TranscodingProfile profile, int height)
    {
        var row = profile.VideoBitrate.BitsPerPixel.Where(r => r.Resolution <= height).MaxBy(r => r.Resolution);
        if (row is null)
        {
            return profile.VideoBitrate.Fallback.Max;
        }

        var width = height * 16 / 9;
        return (long)(row.Max * width * height * 30);
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);
}
