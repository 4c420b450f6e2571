using System.Globalization;
using FFMpegCore;
using FFMpegCore.Arguments;
using FFMpegCore.Enums;
using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Internal;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Media.Transcoding;

/// <summary>
/// Builds the HLS VOD command with FFMpegCore's <see cref="FFMpegArguments"/>. <see cref="Build"/> decodes the source once
/// and encodes every rendition in the same process (PeerTube runs one process per resolution, i.e. one decode per
/// resolution): one input, a <c>-filter_complex</c> graph (<see cref="ComplexFilterGraph"/>) whose <c>split</c> feeds a
/// scaler per encoded rendition, and one output per rendition (<see cref="FFMpegArguments.OutputToMany"/>).
/// What FFMpegCore 6.0.0 has no typed argument for goes through <see cref="RawArguments"/>: see docs/adr/002.
/// </summary>
public static class HlsLadderCommand
{
    /// <summary>One ffmpeg process, one decode, one <c>split</c> feeding a scaler per encoded rendition.</summary>
    /// <param name="threads">Encoder threads per output; 0 lets ffmpeg decide.</param>
    /// <param name="frames">Still images (thumbnail, preview) taken from the same decode: more branches of the split.</param>
    /// <param name="inputFormat">The probe's format name (e.g. <c>mov,mp4,m4a,3gp,3g2,mj2</c>): ffmpeg may open the input with no other demuxer.</param>
    public static FfmpegCommand Build(string inputPath, IReadOnlyList<RenditionOutput> outputs, TranscodingProfile profile, int threads,
        IReadOnlyList<FrameGrabOutput>? frames = null, string? inputFormat = null)
    {
        CommandLine.EnsureQuotablePath(inputPath, nameof(inputPath));
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

        frames = [.. frames ?? []];
        foreach (var frame in frames)
        {
            CommandLine.EnsureQuotablePath(frame.Path, nameof(frames));
        }

        var encoded = outputs.Where(NeedsScaler).ToList();
        var labels = new Dictionary<RenditionOutput, string>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < encoded.Count; i++)
        {
            labels[encoded[i]] = Label(i);
        }

        var branches = encoded.Count + frames.Count;
        return new FfmpegCommand(() => FFMpegArguments
            .FromFileInput(inputPath, verifyExists: false, AddInput(inputFormat))
            .OutputToMany(many =>
            {
                for (var i = 0; i < outputs.Count; i++)
                {
                    var output = outputs[i];
                    var withGraph = i == 0 && branches > 0;
                    many.OutputToFile(output.PlaylistPath, overwrite: true, options =>
                    {
                        if (withGraph)
                        {
                            // -filter_complex is a global option; FFMpegCore 6.0.0 places it with the first output.
                            options.WithComplexFilter(graph => BuildGraph(graph, encoded, frames));
                        }

                        var videoMap = output.Rendition switch
                        {
                            { AudioOnly: true } => VideoMap.None,
                            { CopyVideo: true } => VideoMap.Source,
                            _ => VideoMap.Label(labels[output]),
                        };
                        AddOutput(options, output, profile, threads, videoMap, scaleInOutput: false);
                    });
                }

                for (var i = 0; i < frames.Count; i++)
                {
                    var label = Label(encoded.Count + i);
                    many.OutputToFile(frames[i].Path, overwrite: true, options =>
                    {
                        options.WithArgument(new MapLabelArgument(label, false));
                        ImageCommands.FrameOutput(options);
                    });
                }
            }));
    }

    /// <summary>The PeerTube way: one process for one rendition, same encoder settings. The benchmark baseline.</summary>
    public static FfmpegCommand BuildSingleRendition(string inputPath, RenditionOutput output, TranscodingProfile profile, int threads)
    {
        CommandLine.EnsureQuotablePath(inputPath, nameof(inputPath));
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        Validate(output);

        var videoMap = output.Rendition.AudioOnly ? VideoMap.None : VideoMap.Source;
        return new FfmpegCommand(() => FFMpegArguments
            .FromFileInput(inputPath, verifyExists: false, AddInput(null))
            .OutputToFile(output.PlaylistPath, overwrite: true,
                options => AddOutput(options, output, profile, threads, videoMap, scaleInOutput: NeedsScaler(output))));
    }

    private static string Label(int branch) => "v" + branch.ToString(CultureInfo.InvariantCulture);

    // FFMpegCore 6.0.0 has no typed global options (banner, stdin, -progress), so they sit before -i as raw arguments.
    // -protocol_whitelist and -format_whitelist are input options: the uploaded file may only be read as a local file, by
    // the demuxer the probe accepted (so a file that probes as mp4 cannot be opened as a playlist here).
    private static Action<FFMpegInputOptions> AddInput(string? inputFormat) => input =>
    {
        input.WithArgument(new RawArguments("-hide_banner", "-nostdin", "-progress", "pipe:1", "-nostats",
            "-protocol_whitelist", InputRestrictions.ProtocolWhitelist));
        if (inputFormat is { Length: > 0 } and not "unknown")
        {
            input.WithArgument(new RawArguments("-format_whitelist", inputFormat));
        }
    };

    private static void BuildGraph(ComplexFilterGraph graph, IReadOnlyList<RenditionOutput> encoded, IReadOnlyList<FrameGrabOutput> frames)
    {
        var count = encoded.Count + frames.Count;
        var source = graph.From(0, StreamType.VideoNoAttachedPic, 0);
        if (count == 1)
        {
            var only = source;
            if (encoded.Count == 1)
            {
                only.Video(filters => ScaleChain(filters, encoded[0].Rendition));
            }
            else
            {
                ImageCommands.FrameChain(only, frames[0]);
            }

            only.As(Label(0));
            return;
        }

        var splits = Enumerable.Range(0, count).Select(i => "s" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        // FFMpegCore has no typed split filter.
        source.WithCustomFilter("split", count.ToString(CultureInfo.InvariantCulture)).As(splits);
        for (var i = 0; i < encoded.Count; i++)
        {
            var rendition = encoded[i].Rendition;
            graph.From(splits[i]).Video(filters => ScaleChain(filters, rendition)).As(Label(i));
        }

        for (var i = 0; i < frames.Count; i++)
        {
            var chain = graph.From(splits[encoded.Count + i]);
            ImageCommands.FrameChain(chain, frames[i]);
            chain.As(Label(encoded.Count + i));
        }
    }

    private static bool NeedsScaler(RenditionOutput output) => output.Rendition is { AudioOnly: false, CopyVideo: false };

    // scale is typed; fps and format are custom filters: FFMpegCore's Fps() formats the rate with the current culture's
    // decimal separator, and it has no format filter.
    private static void ScaleChain(VideoFilterOptions filters, Rendition rendition) =>
        filters.Scale(rendition.Width, rendition.Height)
            .WithCustomFilter("fps", ProfilePlaceholders.FormatNumber(rendition.Fps))
            .WithCustomFilter("format", "yuv420p");

    private static void AddOutput(FFMpegOutputOptions options, RenditionOutput output, TranscodingProfile profile, int threads, VideoMap videoMap,
        bool scaleInOutput)
    {
        var rendition = output.Rendition;

        if (videoMap.LabelName is { } label)
        {
            options.WithArgument(new MapLabelArgument(label, false));
        }
        else if (videoMap.FromSource)
        {
            // 0:V:0 excludes cover art / attached pictures, which 0:v:0 would match.
            options.WithMap(0, StreamType.VideoNoAttachedPic, 0);
        }

        if (rendition.HasAudio)
        {
            options.WithMap(0, StreamType.Audio, 0);
        }

        if (rendition.AudioOnly)
        {
            options.DisableVideo();
        }
        else if (rendition.CopyVideo)
        {
            options.CopyStreams(StreamType.Video);
        }
        else
        {
            if (scaleInOutput)
            {
                options.WithVideoFilters(filters => ScaleChain(filters, rendition));
            }

            options.WithVideoCodec(profile.Video.Encoder);
            // Encoder arguments are data (ffmpeg-profiles/), not code: passed on as the profile spells them.
            var values = PlaceholderValues(rendition, profile);
            options.WithArgument(new RawArguments(profile.Video.Args.Concat(profile.Video.KeyframeArgs)
                .Select(a => ProfilePlaceholders.Substitute(a, values))));
        }

        if (!rendition.HasAudio)
        {
            options.DisableAudio();
        }
        else if (rendition.CopyAudio)
        {
            options.CopyStreams(StreamType.Audio);
        }
        else
        {
            options.WithAudioCodec(profile.Audio.Encoder);
            if (profile.Audio.Args.Count > 0)
            {
                options.WithArgument(new RawArguments(profile.Audio.Args));
            }

            if (rendition.AudioBitrate is { } audioBitrate)
            {
                // FFMpegCore's typed audio bitrate is in whole kbit/s.
                if (audioBitrate % 1000 == 0 && audioBitrate / 1000 <= int.MaxValue)
                {
                    options.WithAudioBitrate((int)(audioBitrate / 1000));
                }
                else
                {
                    options.WithArgument(new RawArguments("-b:a", audioBitrate.ToString(CultureInfo.InvariantCulture)));
                }
            }
        }

        if (profile.OutputArgs.Count > 0)
        {
            options.WithArgument(new RawArguments(profile.OutputArgs));
        }

        if (threads > 0 && !(rendition.CopyVideo && rendition.CopyAudio))
        {
            options.WithThreads(threads);
        }

        // FFMpegCore 6.0.0 has no typed HLS muxer options.
        options.WithArgument(new RawArguments(
            "-hls_time", ProfilePlaceholders.FormatNumber(profile.HlsSegmentDurationSeconds),
            "-hls_list_size", "0",
            "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4",
            "-hls_flags", "single_file",
            "-hls_segment_filename", output.FragmentedFilePath));
        options.ForceFormat("hls");
    }

    private readonly record struct VideoMap(bool FromSource, string? LabelName)
    {
        public static readonly VideoMap None = new(false, null);
        public static readonly VideoMap Source = new(true, null);

        public static VideoMap Label(string label) => new(false, label);
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
        CommandLine.EnsureQuotablePath(output.PlaylistPath, nameof(output));
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
