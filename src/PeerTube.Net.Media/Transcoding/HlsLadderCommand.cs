using System.Globalization;
using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>
/// Builds ffmpeg arguments for HLS VOD. <see cref="Build"/> decodes the source once and encodes every rendition in
/// the same process (PeerTube runs one process per resolution, i.e. one decode per resolution).
/// </summary>
public static class HlsLadderCommand
{
    // Excludes cover art / attached pictures, which "v" would match.
    private const string SourceVideo = "0:V:0";
    private const string SourceAudio = "0:a:0";

    /// <summary>One ffmpeg process, one decode, one <c>split</c> feeding a scaler per encoded rendition.</summary>
    /// <param name="threads">Encoder threads per output; 0 lets ffmpeg decide.</param>
    /// <param name="frames">Still images (thumbnail, preview) taken from the same decode: more branches of the split.</param>
    public static IReadOnlyList<string> Build(string inputPath, IReadOnlyList<RenditionOutput> outputs, TranscodingProfile profile, int threads,
        IReadOnlyList<FrameGrabOutput>? frames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (outputs.Count == 0)
        {
            throw new ArgumentException("At least one output is required.", nameof(outputs));
        }

        foreach (var output in outputs)
        {
            Validate(output);
        }

        var args = new List<string>();
        AddInput(args, inputPath);

        var encoded = outputs.Where(NeedsScaler).ToList();
        frames ??= [];
        var labels = new Dictionary<RenditionOutput, string>(ReferenceEqualityComparer.Instance);
        var chains = encoded.Select(o => ScaleChain(o.Rendition)).Concat(frames.Select(ImageCommands.FrameChain)).ToList();
        if (chains.Count > 0)
        {
            var graph = new List<string>();
            if (chains.Count == 1)
            {
                graph.Add($"[{SourceVideo}]{chains[0]}[v0]");
            }
            else
            {
                var branches = string.Concat(Enumerable.Range(0, chains.Count).Select(i => $"[s{i}]"));
                graph.Add($"[{SourceVideo}]split={chains.Count.ToString(CultureInfo.InvariantCulture)}{branches}");
                graph.AddRange(chains.Select((chain, i) => $"[s{i}]{chain}[v{i}]"));
            }

            for (var i = 0; i < encoded.Count; i++)
            {
                labels[encoded[i]] = $"v{i}";
            }

            args.Add("-filter_complex");
            args.Add(string.Join(';', graph));
        }

        foreach (var output in outputs)
        {
            var videoMap = output.Rendition switch
            {
                { AudioOnly: true } => null,
                { CopyVideo: true } => SourceVideo,
                _ => $"[{labels[output]}]",
            };
            AddOutput(args, output, profile, threads, videoMap, videoFilter: null);
        }

        for (var i = 0; i < frames.Count; i++)
        {
            args.AddRange(["-map", $"[v{(encoded.Count + i).ToString(CultureInfo.InvariantCulture)}]"]);
            args.AddRange(ImageCommands.FrameOutputArgs(frames[i].Path));
        }

        return args;
    }

    /// <summary>The PeerTube way: one process for one rendition, same encoder settings. The benchmark baseline.</summary>
    public static IReadOnlyList<string> BuildSingleRendition(string inputPath, RenditionOutput output, TranscodingProfile profile, int threads)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputPath);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Validate(output);

        var args = new List<string>();
        AddInput(args, inputPath);
        var rendition = output.Rendition;
        var videoMap = rendition.AudioOnly ? null : SourceVideo;
        var videoFilter = NeedsScaler(output) ? ScaleChain(rendition) : null;
        AddOutput(args, output, profile, threads, videoMap, videoFilter);
        return args;
    }

    private static void AddInput(List<string> args, string inputPath)
    {
        args.AddRange(["-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", "-i", inputPath]);
    }

    private static bool NeedsScaler(RenditionOutput output) => output.Rendition is { AudioOnly: false, CopyVideo: false };

    private static string ScaleChain(Rendition rendition) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"scale=w={rendition.Width}:h={rendition.Height},fps={ProfilePlaceholders.FormatNumber(rendition.Fps)},format=yuv420p");

    private static void AddOutput(List<string> args, RenditionOutput output, TranscodingProfile profile, int threads, string? videoMap, string? videoFilter)
    {
        var rendition = output.Rendition;

        if (videoMap is not null)
        {
            args.AddRange(["-map", videoMap]);
        }

        if (rendition.HasAudio)
        {
            args.AddRange(["-map", SourceAudio]);
        }

        if (rendition.AudioOnly)
        {
            args.Add("-vn");
        }
        else if (rendition.CopyVideo)
        {
            args.AddRange(["-c:v", "copy"]);
        }
        else
        {
            if (videoFilter is not null)
            {
                args.AddRange(["-vf", videoFilter]);
            }

            args.AddRange(["-c:v", profile.Video.Encoder]);
            var values = PlaceholderValues(rendition, profile);
            args.AddRange(profile.Video.Args.Select(a => ProfilePlaceholders.Substitute(a, values)));
            args.AddRange(profile.Video.KeyframeArgs.Select(a => ProfilePlaceholders.Substitute(a, values)));
        }

        if (!rendition.HasAudio)
        {
            args.Add("-an");
        }
        else if (rendition.CopyAudio)
        {
            args.AddRange(["-c:a", "copy"]);
        }
        else
        {
            args.AddRange(["-c:a", profile.Audio.Encoder]);
            args.AddRange(profile.Audio.Args);
            if (rendition.AudioBitrate is { } audioBitrate)
            {
                args.AddRange(["-b:a", audioBitrate.ToString(CultureInfo.InvariantCulture)]);
            }
        }

        args.AddRange(profile.OutputArgs);

        if (threads > 0 && !(rendition.CopyVideo && rendition.CopyAudio))
        {
            args.AddRange(["-threads", threads.ToString(CultureInfo.InvariantCulture)]);
        }

        args.AddRange(
        [
            "-hls_time", ProfilePlaceholders.FormatNumber(profile.HlsSegmentDurationSeconds),
            "-hls_list_size", "0",
            "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4",
            "-hls_flags", "single_file",
            "-hls_segment_filename", output.FragmentedFilePath,
            "-f", "hls",
            output.PlaylistPath,
        ]);
    }

    private static Dictionary<string, string> PlaceholderValues(Rendition rendition, TranscodingProfile profile)
    {
        var gop = Math.Max(1, (int)Math.Round(rendition.Fps * profile.KeyframeIntervalSeconds, MidpointRounding.AwayFromZero));
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ProfilePlaceholders.Bitrate] = rendition.VideoBitrate.ToString(CultureInfo.InvariantCulture),
            [ProfilePlaceholders.Bufsize] = (rendition.VideoBitrate * 2).ToString(CultureInfo.InvariantCulture),
            [ProfilePlaceholders.Fps] = ProfilePlaceholders.FormatNumber(rendition.Fps),
            [ProfilePlaceholders.Gop] = gop.ToString(CultureInfo.InvariantCulture),
            [ProfilePlaceholders.KeyframeInterval] = ProfilePlaceholders.FormatNumber(profile.KeyframeIntervalSeconds),
        };
    }

    private static void Validate(RenditionOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(output.Rendition);
        ArgumentException.ThrowIfNullOrEmpty(output.PlaylistPath);
        ArgumentException.ThrowIfNullOrEmpty(output.FragmentedFilePath);

        var rendition = output.Rendition;
        if (rendition.AudioOnly && !rendition.HasAudio)
        {
            throw new ArgumentException($"Rendition {rendition.Resolution} is audio-only but has no audio.", nameof(output));
        }

        if (!rendition.AudioOnly && !rendition.CopyVideo && (rendition.Width < 2 || rendition.Height < 2 || rendition.Fps <= 0 || rendition.VideoBitrate <= 0))
        {
            throw new ArgumentException($"Rendition {rendition.Resolution} needs positive dimensions, fps and bitrate to be encoded.", nameof(output));
        }
    }
}
