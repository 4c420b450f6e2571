using SkiaSharp;

namespace PeerTube.Net.Server.Infrastructure.Images;

/// <summary>
/// Decodes an image someone gave us (an upload, a remote actor's icon) and draws it anew at a fixed size, cropped to
/// cover it, as a JPEG. What we serve is always our own encoding: nothing of the uploaded file (its metadata, a
/// polyglot payload) survives. Decoding is bounded: the header is read first, and an image of absurd dimensions (a
/// decompression bomb) is refused before its pixels are.
/// </summary>
public static class ImageEncoder
{
    /// <summary>Larger than any real avatar or banner source (a 50-megapixel photo), and small enough to decode safely.</summary>
    public const long MaxSourcePixels = 50_000_000;

    private const int JpegQuality = 85;

    /// <summary>Whether the bytes are an image we can decode (PNG, JPEG, GIF, WebP), by their content, not their name.</summary>
    public static bool IsSupported(ReadOnlySpan<byte> bytes, out string? format)
    {
        format = null;
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return false;
        }

        format = codec.EncodedFormat switch
        {
            SKEncodedImageFormat.Png => "png",
            SKEncodedImageFormat.Jpeg => "jpeg",
            SKEncodedImageFormat.Gif => "gif",
            SKEncodedImageFormat.Webp => "webp",
            _ => null,
        };
        return format is not null && (long)codec.Info.Width * codec.Info.Height is > 0 and <= MaxSourcePixels;
    }

    /// <summary>The image redrawn at <paramref name="width"/> × <paramref name="height"/>, cropped to cover; null when it cannot be decoded.</summary>
    public static byte[]? ToJpeg(ReadOnlySpan<byte> bytes, int width, int height)
    {
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null || (long)codec.Info.Width * codec.Info.Height is <= 0 or > MaxSourcePixels)
        {
            return null;
        }

        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var source = new SKBitmap(info);
        var result = codec.GetPixels(info, source.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            return null;
        }

        // Cover: scale so that both sides fill the target, then take the middle.
        var scale = Math.Max((float)width / info.Width, (float)height / info.Height);
        var cropWidth = width / scale;
        var cropHeight = height / scale;
        var crop = SKRect.Create((info.Width - cropWidth) / 2, (info.Height - cropHeight) / 2, cropWidth, cropHeight);

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        // JPEG has no transparency: transparent pixels become white rather than black.
        canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(source);
        using var paint = new SKPaint();
        canvas.DrawImage(image, crop, SKRect.Create(0, 0, width, height), new SKSamplingOptions(SKCubicResampler.Mitchell), paint);
        using var snapshot = surface.Snapshot();
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Jpeg, JpegQuality);
        return encoded?.ToArray();
    }
}
