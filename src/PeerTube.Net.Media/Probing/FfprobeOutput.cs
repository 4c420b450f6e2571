using System.Globalization;
using System.Text.Json;

namespace PeerTube.Net.Media.Probing;

/// <summary>Parses <c>ffprobe -print_format json -show_format -show_streams</c>. Every problem becomes an <see cref="UnreadableMediaException"/>.</summary>
internal static class FfprobeOutput
{
    // Above what any encoder we care about produces (HEVC/AV1 top out at 16384).
    internal const int MaxDimension = 16384;

    // About 3 years: anything beyond is a broken header, not a video.
    private const double MaxDurationSeconds = 1e8;

    public static MediaInfo Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new UnreadableMediaException("ffprobe returned output we cannot read.", ex);
        }

        using (document)
        {
            try
            {
                return Parse(document.RootElement);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or KeyNotFoundException)
            {
                throw new UnreadableMediaException("ffprobe described the file in a way we cannot interpret.", ex);
            }
        }
    }

    private static MediaInfo Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UnreadableMediaException("ffprobe returned output we cannot read.");
        }

        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
            : [];
        var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;

        var videoElement = streams.FirstOrDefault(e => CodecType(e) == "video" && !IsPicture(e));
        var audioElement = streams.FirstOrDefault(e => CodecType(e) == "audio");

        var video = videoElement.ValueKind == JsonValueKind.Object ? ParseVideo(videoElement) : null;
        var audio = audioElement.ValueKind == JsonValueKind.Object ? ParseAudio(audioElement) : null;

        if (video is null && audio is null)
        {
            throw new UnreadableMediaException("The file has neither a video nor an audio stream.");
        }

        var duration = ParseDuration(format, streams);
        return new MediaInfo(
            duration,
            PositiveLong(format, "bit_rate"),
            String(format, "format_name") ?? "unknown",
            video,
            audio);
    }

    private static VideoStreamInfo ParseVideo(JsonElement stream)
    {
        var width = Int(stream, "width") ?? 0;
        var height = Int(stream, "height") ?? 0;
        if (width < 2 || height < 2 || width > MaxDimension || height > MaxDimension)
        {
            throw new UnreadableMediaException($"The video has unusable dimensions ({width}x{height}).");
        }

        if (IsQuarterTurn(Rotation(stream)))
        {
            (width, height) = (height, width);
        }

        var level = Int(stream, "level");
        return new VideoStreamInfo(
            String(stream, "codec_name") ?? "unknown",
            width,
            height,
            FrameRate(stream),
            PositiveLong(stream, "bit_rate"),
            String(stream, "pix_fmt"),
            String(stream, "profile"),
            level > 0 ? level : null);
    }

    private static AudioStreamInfo ParseAudio(JsonElement stream) =>
        new(
            String(stream, "codec_name") ?? "unknown",
            Int(stream, "channels") ?? 0,
            Int(stream, "sample_rate") ?? 0,
            PositiveLong(stream, "bit_rate"),
            String(stream, "profile"));

    private static TimeSpan ParseDuration(JsonElement format, List<JsonElement> streams)
    {
        var seconds = Double(format, "duration");
        if (seconds is not > 0)
        {
            // Some containers (raw streams, some mkv) only know per-stream durations.
            seconds = streams
                .Select(e => Double(e, "duration") ?? TagDuration(e))
                .Where(d => d > 0)
                .DefaultIfEmpty(null)
                .Max();
        }

        if (seconds is not > 0 || double.IsNaN(seconds.Value))
        {
            throw new UnreadableMediaException("The file has no duration (zero or unknown).");
        }

        if (seconds > MaxDurationSeconds)
        {
            throw new UnreadableMediaException("The file claims an absurd duration.");
        }

        return TimeSpan.FromSeconds(seconds.Value);
    }

    private static double? TagDuration(JsonElement stream)
    {
        // Matroska stores "DURATION": "00:00:04.000000000" as a stream tag.
        if (!stream.TryGetProperty("tags", out var tags) || tags.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var tag in tags.EnumerateObject())
        {
            if (tag.Name.Equals("DURATION", StringComparison.OrdinalIgnoreCase)
                && tag.Value.ValueKind == JsonValueKind.String
                && tag.Value.GetString() is { } text)
            {
                // TimeSpan cannot hold nine fractional digits.
                var trimmed = text.Length > 16 ? text[..16] : text;
                if (TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var value))
                {
                    return value.TotalSeconds;
                }
            }
        }

        return null;
    }

    private static double FrameRate(JsonElement stream)
    {
        foreach (var key in (string[])["avg_frame_rate", "r_frame_rate"])
        {
            if (String(stream, key) is not { } text)
            {
                continue;
            }

            var parts = text.Split('/');
            if (parts.Length == 2
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var frames)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                && seconds > 0
                && frames / seconds is > 0 and var fps
                && double.IsFinite(fps))
            {
                return fps;
            }
        }

        return 0;
    }

    private static double Rotation(JsonElement stream)
    {
        if (stream.TryGetProperty("side_data_list", out var sideData) && sideData.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in sideData.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && Double(item, "rotation") is { } rotation)
                {
                    return rotation;
                }
            }
        }

        // Older ffprobe versions expose the display matrix as a "rotate" tag.
        if (stream.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object && Double(tags, "rotate") is { } rotate)
        {
            return rotate;
        }

        return 0;
    }

    private static bool IsQuarterTurn(double degrees)
    {
        var normalized = ((Math.Round(degrees) % 360) + 360) % 360;
        return normalized is 90 or 270;
    }

    private static bool IsPicture(JsonElement stream)
    {
        if (!stream.TryGetProperty("disposition", out var disposition) || disposition.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        return Int(disposition, "attached_pic") == 1 || Int(disposition, "timed_thumbnails") == 1;
    }

    private static string? CodecType(JsonElement stream) => String(stream, "codec_type");

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
        && value.GetString() is { Length: > 0 } text
            ? text
            : null;

    // ffprobe writes some numbers as JSON numbers and others as strings ("bit_rate": "793584").
    private static double? Double(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value))
        {
            return null;
        }

        double parsed;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetDouble(out parsed):
                break;
            case JsonValueKind.String when double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out parsed):
                break;
            default:
                return null;
        }

        return double.IsFinite(parsed) ? parsed : null;
    }

    private static int? Int(JsonElement element, string name) =>
        Double(element, name) is { } value && value >= int.MinValue && value <= int.MaxValue ? (int)value : null;

    private static long? PositiveLong(JsonElement element, string name) =>
        Double(element, name) is > 0 and < long.MaxValue and var value ? (long)value : null;
}
