namespace PeerTube.Net.Media.Probing;

/// <summary>
/// The file is media, but this instance does not take it (a limit, or a playlist-like format that would make ffmpeg open
/// other files or URLs). <see cref="Code"/> is machine-readable; <see cref="Exception.Message"/> is fit to show the uploader.
/// </summary>
public sealed class MediaRefusedException(string code, string reason) : Exception(reason)
{
    public const string FormatRefused = "video_format_refused";

    public string Code { get; } = code;
}
