using System.Net.Http.Headers;
using SkiaSharp;

namespace PeerTube.Net.Server.Tests.Channels;

/// <summary>Small images made at test time, and their upload as PeerTube's clients send them.</summary>
public static class TestImages
{
    /// <summary>A PNG of one colour.</summary>
    public static byte[] Png(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static MultipartFormDataContent Form(string field, byte[] bytes, string filename = "picture.png", string contentType = "image/png")
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(content, field, filename);
        return form;
    }

    /// <summary>Width and height of an encoded image, and its format.</summary>
    public static (int Width, int Height, SKEncodedImageFormat Format) Describe(byte[] bytes)
    {
        using var codec = SKCodec.Create(new MemoryStream(bytes));
        return (codec.Info.Width, codec.Info.Height, codec.EncodedFormat);
    }
}
