using System.Globalization;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Hls;
using PeerTube.Net.Media.Images;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Server.Features.Transcoding;

public sealed record TranscodedRendition(
    int Resolution, int? Width, int? Height, double Fps, long Size, string Filename, string PlaylistFilename, bool HasAudio, bool HasVideo);

public sealed record TranscodeResult(
    string HlsDirectory, string MasterFilename, string SegmentsSha256Filename, IReadOnlyList<TranscodedRendition> Renditions,
    TimeSpan Duration, double? AspectRatio, string? ThumbnailPath, string? PreviewPath);

/// <summary>
/// Turns one source file into PeerTube's HLS layout inside a work directory: one ffmpeg process decodes the
/// source once and encodes the whole ladder, then we write the master playlist and the segment hashes.
/// </summary>
public sealed class VideoTranscoder(
    MediaProber prober, FfmpegRunner runner, TranscodingProfile profile, IOptions<TranscodingOptions> options, ILogger<VideoTranscoder> log)
{
    public const int ThumbnailWidth = 280, ThumbnailHeight = 157;
    public const int PreviewWidth = 850, PreviewHeight = 480;

    public async Task<TranscodeResult> TranscodeAsync(
        string sourcePath, string workDirectory, bool makeImages, IProgress<double> progress, TextWriter ffmpegLog, CancellationToken ct)
    {
        var input = await prober.ProbeAsync(sourcePath, ct);
        // Checked at upload too; here for sources accepted under looser limits, or by another path.
        var limits = options.Value.Limits;
        limits.ToMediaLimits().Check(input);
        var plan = LadderPlanner.Plan(input, profile);
        var hlsDirectory = Path.Combine(workDirectory, "hls");
        Directory.CreateDirectory(hlsDirectory);

        // PeerTube names every file with a fresh UUID, so a re-transcode never collides with cached copies.
        var outputs = plan.Renditions.Select(r =>
        {
            var id = Guid.NewGuid().ToString();
            var res = r.Resolution.ToString(CultureInfo.InvariantCulture);
            return new RenditionOutput(r,
                Path.Combine(hlsDirectory, $"{id}-{res}.m3u8"),
                Path.Combine(hlsDirectory, $"{id}-{res}-fragmented.mp4"));
        }).ToList();

        // Thumbnail and preview come from the same decode as the ladder: two more branches of its split.
        string? thumbnail = null, preview = null;
        var frames = new List<FrameGrabOutput>();
        var at = TimeSpan.FromSeconds(input.Duration.TotalSeconds / 2);
        if (makeImages && input.Video is not null)
        {
            thumbnail = Path.Combine(workDirectory, "thumbnail.jpg");
            preview = Path.Combine(workDirectory, "preview.jpg");
            frames.Add(new FrameGrabOutput(thumbnail, at, ThumbnailWidth, ThumbnailHeight));
            frames.Add(new FrameGrabOutput(preview, at, PreviewWidth, PreviewHeight));
        }

        var arguments = HlsLadderCommand.Build(sourcePath, outputs, profile, options.Value.Threads, frames, input.FormatName);
        await runner.RunAsync(arguments, input.Duration, progress, ffmpegLog, ct, limits.RunLimits(input.Duration, workDirectory));

        log.LogInformation("Transcoded {Source} into {Count} renditions", Path.GetFileName(sourcePath), outputs.Count);

        var renditions = new List<TranscodedRendition>();
        var variants = new List<MasterPlaylistVariant>();
        var hashes = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var output in outputs)
        {
            var info = await prober.ProbeAsync(output.FragmentedFilePath, ownOutput: true, ct);
            var size = new FileInfo(output.FragmentedFilePath).Length;
            var bandwidth = info.BitRate ?? (long)(size * 8 / Math.Max(1, info.Duration.TotalSeconds));
            var codecs = string.Join(',', new[]
            {
                info.Video is null ? null : CodecStrings.ForVideo(info.Video),
                info.Audio is null ? null : CodecStrings.ForAudio(info.Audio),
            }.OfType<string>());

            variants.Add(new MasterPlaylistVariant(Path.GetFileName(output.PlaylistPath), bandwidth,
                info.Video?.Width, info.Video?.Height, info.Video?.Fps, codecs));
            hashes[Path.GetFileName(output.FragmentedFilePath)] =
                await SegmentHashes.ComputeAsync(output.PlaylistPath, output.FragmentedFilePath, ct);
            renditions.Add(new TranscodedRendition(output.Rendition.Resolution, info.Video?.Width, info.Video?.Height,
                info.Video?.Fps ?? 0, size, Path.GetFileName(output.FragmentedFilePath), Path.GetFileName(output.PlaylistPath),
                info.Audio is not null, info.Video is not null));
        }

        var masterFilename = $"{Guid.NewGuid()}-master.m3u8";
        // The audio-only rendition stays out of the master when there is video: players could pick it and show nothing.
        var masterVariants = variants.Any(v => v.Width is not null) ? variants.Where(v => v.Width is not null).ToList() : variants;
        await File.WriteAllTextAsync(Path.Combine(hlsDirectory, masterFilename), HlsPlaylists.BuildMaster(masterVariants), ct);
        var shaFilename = $"{Guid.NewGuid()}-segments-sha256.json";
        await File.WriteAllTextAsync(Path.Combine(hlsDirectory, shaFilename), SegmentHashes.ToJson(hashes), ct);

        foreach (var frame in frames.Where(f => !File.Exists(f.Path)))
        {
            // A source whose timestamps end before its announced duration gives no frame at "at": grab one on its own.
            await runner.RunAsync(ImageCommands.BuildFrameGrab(sourcePath, frame.Path, TimeSpan.Zero, frame.Width, frame.Height),
                TimeSpan.Zero, null, ffmpegLog, ct, limits.RunLimits(TimeSpan.Zero, workDirectory));
        }

        double? aspect = input.Video is { Height: > 0 } v ? Math.Round((double)v.Width / v.Height, 4) : null;
        return new TranscodeResult(hlsDirectory, masterFilename, shaFilename, renditions, input.Duration, aspect, thumbnail, preview);
    }
}
