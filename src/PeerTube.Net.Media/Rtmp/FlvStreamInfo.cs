namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// What a publisher says of its stream in its FLV <c>onMetaData</c> (ffmpeg and OBS send one before any media): the
/// picture's size and whether there is audio and video. A live's ladder is planned from it (never above the source),
/// as PeerTube plans it from a probe of the RTMP stream.
/// </summary>
public sealed record FlvStreamInfo(int? Width, int? Height, bool HasVideo, bool HasAudio)
{
    /// <summary>The short side (PeerTube's resolution), when the size is known.</summary>
    public int? Resolution => Width is > 0 && Height is > 0 ? Math.Min(Width.Value, Height.Value) : null;

    /// <summary>
    /// Reads an FLV script tag body (<c>"onMetaData"</c> then an ECMA array or object); null when it is not one or
    /// cannot be read. Sizes outside 1–16384 are ignored rather than trusted.
    /// </summary>
    public static FlvStreamInfo? Parse(ReadOnlySpan<byte> scriptTagBody)
    {
        try
        {
            var reader = new Amf0Reader(scriptTagBody);
            if (reader.ReadValue() is not "onMetaData" || reader.ReadValue() is not Amf0Object properties)
            {
                return null;
            }

            var width = Dimension(properties["width"]);
            var height = Dimension(properties["height"]);
            var hasVideo = properties["videocodecid"] is not (null or Amf0Undefined) || width is not null;
            var hasAudio = properties["audiocodecid"] is not (null or Amf0Undefined);
            return new FlvStreamInfo(width, height, hasVideo, hasAudio);
        }
        catch (RtmpException)
        {
            return null;
        }
    }

    private static int? Dimension(object? value) =>
        value is double d && double.IsFinite(d) && d >= 1 && d <= 16384 ? (int)d : null;
}
