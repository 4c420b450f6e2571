namespace PeerTube.Net.Media.Probing;

/// <param name="BitRate">The container's overall bit rate in bits/s (PeerTube's "input bitrate"), when known.</param>
/// <param name="FormatName">ffprobe's format name, e.g. <c>mov,mp4,m4a,3gp,3g2,mj2</c>.</param>
/// <param name="Video">The first real video stream; cover art (attached pictures) is ignored.</param>
public sealed record MediaInfo(TimeSpan Duration, long? BitRate, string FormatName, VideoStreamInfo? Video, AudioStreamInfo? Audio);

/// <param name="Codec">ffprobe's codec name, e.g. <c>h264</c>.</param>
/// <param name="Width">Display width, after applying rotation.</param>
/// <param name="Height">Display height, after applying rotation.</param>
/// <param name="Fps">Average frame rate (falls back to r_frame_rate); 0 when unknown.</param>
/// <param name="Profile">ffprobe's profile name, e.g. <c>High</c>.</param>
/// <param name="Level">ffprobe's level, e.g. 31 for H.264 level 3.1.</param>
public sealed record VideoStreamInfo(string Codec, int Width, int Height, double Fps, long? BitRate, string? PixelFormat, string? Profile, int? Level)
{
    /// <summary>The display matrix's rotation, normalized to 0, 90, 180 or 270 degrees.</summary>
    public int Rotation { get; init; }
}

/// <param name="Codec">ffprobe's codec name, e.g. <c>aac</c>.</param>
/// <param name="Profile">ffprobe's profile name, e.g. <c>LC</c>.</param>
public sealed record AudioStreamInfo(string Codec, int Channels, int SampleRate, long? BitRate, string? Profile);
