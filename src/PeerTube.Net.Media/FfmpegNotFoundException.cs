namespace PeerTube.Net.Media;

/// <summary>The ffmpeg or ffprobe executable could not be started.</summary>
public sealed class FfmpegNotFoundException : Exception
{
    public FfmpegNotFoundException(string toolName, string path, string settingName, Exception? innerException = null)
        : base($"{toolName} was not found at '{path}'; install it (apt-get install ffmpeg) or set {settingName}", innerException)
    {
        ToolName = toolName;
        Path = path;
        SettingName = settingName;
    }

    public string ToolName { get; }

    public string Path { get; }

    /// <summary>The configuration key an admin sets to point at the executable.</summary>
    public string SettingName { get; }
}
