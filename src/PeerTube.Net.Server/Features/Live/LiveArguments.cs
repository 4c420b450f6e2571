using System.Globalization;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>One rendition of a live: its media playlist is <c>{Index}.m3u8</c> (PeerTube's live layout, <c>%v.m3u8</c>), 0 the highest.</summary>
/// <param name="Resolution">The short side; 0 when the source did not say its size (one rendition, capped by Live:MaxResolution).</param>
public sealed record LiveRendition(int Index, int Resolution)
{
    public string Playlist => Peers.SwarmIds.LivePlaylist(Index);
}

/// <summary>What one live's ffmpeg makes: its renditions, highest first, and how.</summary>
/// <param name="Ladder">One decode, a split, one encoder per rendition (var_stream_map); false: the single-rendition command.</param>
/// <param name="Copy">Live:Transcoding disabled: the source's streams copied into one rendition (PeerTube's muxing).</param>
public sealed record LivePlan(IReadOnlyList<LiveRendition> Renditions, bool Ladder, bool Copy, bool HasAudio, bool Portrait);

/// <summary>
/// The ffmpeg command of one live: the FLV from the RTMP ingest on stdin, rolling fragmented-MP4 HLS playlists next to
/// PeerTube's master playlist. With the source's size known (its onMetaData), the ladder of Live:Transcoding up to the
/// source and Live:MaxResolution: one decode, a <c>split</c>, one H.264 encoder per rendition, keyframes forced at the
/// same times in all (aligned segments), each rendition its own media playlist <c>N.m3u8</c> (PeerTube's
/// <c>var_stream_map</c> layout). Without it, one rendition, scaled down to Live:MaxResolution in the filter. An
/// argument list, never a command string. The playlists keep their names (the player follows them); segments are
/// named anew for each stream.
/// </summary>
public static class LiveArguments
{
    public const string MasterFilename = "master.m3u8";
    public const string SegmentsSha256Filename = "segments-sha256.json";

    /// <summary>PeerTube's segment durations per latency mode: small latency keeps segments short, high latency long.</summary>
    public static int SegmentSeconds(LiveLatencyMode mode) => mode switch
    {
        LiveLatencyMode.SmallLatency => 2,
        LiveLatencyMode.HighLatency => 6,
        _ => 4,
    };

    /// <summary>
    /// PeerTube's live resolutions (LiveManager.buildAllResolutionsToTranscode): the configured ones not above the
    /// source, plus the source's own when always transcoded; here also never above Live:MaxResolution (the source
    /// above it is scaled down to it).
    /// </summary>
    public static LivePlan Plan(FlvStreamInfo? source, TranscodingProfile profile, LiveOptions options, LiveTranscodingOptions transcoding)
    {
        var hasAudio = source?.HasAudio ?? true;
        var resolution = source is { HasVideo: true } ? source.Resolution : null;
        var portrait = source is { Width: { } w, Height: { } h } && h > w;
        if (!transcoding.Enabled)
        {
            return new LivePlan([new LiveRendition(0, resolution ?? 0)], Ladder: false, Copy: true, hasAudio, portrait);
        }

        if (resolution is not { } input)
        {
            // No size (no metadata first) or no video: the one rendition ffmpeg scales to what it finds.
            return new LivePlan([new LiveRendition(0, 0)], Ladder: false, Copy: false, hasAudio, portrait);
        }

        var cap = Math.Min(options.MaxResolution, input - (input % 2));
        var wanted = (transcoding.Resolutions ?? [.. profile.Resolutions]).Where(r => r <= cap).ToHashSet();
        if (transcoding.AlwaysTranscodeOriginalResolution || wanted.Count == 0)
        {
            wanted.Add(cap);
        }

        var renditions = wanted.OrderDescending().Select((r, i) => new LiveRendition(i, r)).ToList();
        return new LivePlan(renditions, Ladder: true, Copy: false, hasAudio, portrait);
    }

    /// <param name="segmentPrefix">New for each stream: segment names are served as immutable, so a permanent live's second stream must not reuse the first's.</param>
    /// <param name="keepSegments">For a live that saves its replay: segments that leave the rolling playlist stay on disk (the replay is made of them).</param>
    public static IReadOnlyList<string> Build(string hlsDirectory, string segmentPrefix, TranscodingProfile profile, LiveLatencyMode mode, LiveOptions options,
        LivePlan plan, bool keepSegments = false)
    {
        var segment = SegmentSeconds(mode);
        // A keyframe at least at every segment boundary, so each segment starts one and players may join at any; forced
        // by time, the renditions of a ladder cut at the same instants.
        var keyframe = mode == LiveLatencyMode.SmallLatency ? 1 : 2;
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-loglevel", "warning",
            "-f", "flv", "-i", "pipe:0",
        };
        var renditions = plan.Renditions.Count;
        if (plan.Copy)
        {
            args.AddRange(["-map", "0:v:0?", "-map", "0:a:0?", "-c:v", "copy", "-c:a", "copy"]);
        }
        else if (plan.Ladder)
        {
            AddLadder(args, profile, plan);
        }
        else
        {
            var height = Math.Min(options.MaxResolution, profile.Resolutions.Max());
            var maxBitrate = MaxBitrate(profile, height);
            args.AddRange(["-map", "0:v:0?", "-map", "0:a:0?"]);
            AddEncoder(args, profile);
            args.AddRange([
                "-vf", $"scale=-2:'min({I(height)},trunc(ih/2)*2)',format=yuv420p",
                "-maxrate:v", I(maxBitrate), "-bufsize:v", I(maxBitrate * 2),
            ]);
        }

        if (!plan.Copy)
        {
            args.AddRange([
                "-sc_threshold", "0", "-force_key_frames", $"expr:gte(t,n_forced*{I(keyframe)})",
                "-c:a", profile.Audio.Encoder, "-b:a", I(Math.Min(profile.AudioBitrate.MaxKbps, 160) * 1000), "-ac", "2",
            ]);
        }

        // ffmpeg names each variant's files after its index (%v) only when there are several.
        var variant = renditions > 1 ? "%v" : "0";
        args.AddRange([
            "-f", "hls",
            "-hls_time", I(segment),
            "-hls_list_size", I(options.PlaylistSize),
            "-hls_flags", keepSegments ? "independent_segments+program_date_time" : "delete_segments+independent_segments+program_date_time",
            "-hls_segment_type", "fmp4",
            "-hls_fmp4_init_filename", $"{segmentPrefix}-{variant}-init.mp4",
            "-hls_segment_filename", Path.Combine(hlsDirectory, $"{segmentPrefix}-{variant}-%06d.mp4"),
            "-master_pl_name", MasterFilename,
            Path.Combine(hlsDirectory, renditions > 1 ? "%v.m3u8" : plan.Renditions[0].Playlist),
        ]);
        return args;
    }

    /// <summary>One decode, a split into one scaler per rendition, one encoder per rendition, grouped by var_stream_map.</summary>
    private static void AddLadder(List<string> args, TranscodingProfile profile, LivePlan plan)
    {
        var count = plan.Renditions.Count;
        var graph = count == 1
            ? $"[0:v:0]{Scale(plan, plan.Renditions[0])}[v0]"
            : $"[0:v:0]split={I(count)}{string.Concat(plan.Renditions.Select(r => $"[s{I(r.Index)}]"))};"
              + string.Join(';', plan.Renditions.Select(r => $"[s{I(r.Index)}]{Scale(plan, r)}[v{I(r.Index)}]"));
        args.AddRange(["-filter_complex", graph]);
        foreach (var rendition in plan.Renditions)
        {
            args.AddRange(["-map", $"[v{I(rendition.Index)}]"]);
            if (plan.HasAudio)
            {
                args.AddRange(["-map", "0:a:0"]);
            }
        }

        AddEncoder(args, profile);
        foreach (var rendition in plan.Renditions)
        {
            var maxBitrate = MaxBitrate(profile, rendition.Resolution);
            args.AddRange([$"-maxrate:v:{I(rendition.Index)}", I(maxBitrate), $"-bufsize:v:{I(rendition.Index)}", I(maxBitrate * 2)]);
        }

        if (count > 1)
        {
            args.AddRange(["-var_stream_map", string.Join(' ', plan.Renditions.Select(r =>
                plan.HasAudio ? $"v:{I(r.Index)},a:{I(r.Index)}" : $"v:{I(r.Index)}"))]);
        }
    }

    private static string Scale(LivePlan plan, LiveRendition rendition) =>
        plan.Portrait
            ? $"scale={I(rendition.Resolution)}:-2,format=yuv420p"
            : $"scale=-2:{I(rendition.Resolution)},format=yuv420p";

    private static void AddEncoder(List<string> args, TranscodingProfile profile)
    {
        args.AddRange(["-c:v", profile.Video.Encoder]);
        if (profile.Video.Encoder == "libx264")
        {
            args.AddRange(["-preset", "veryfast", "-tune", "zerolatency"]);
        }
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
