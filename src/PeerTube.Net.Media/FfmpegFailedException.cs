namespace PeerTube.Net.Media;

/// <summary>ffmpeg ran but exited with a non-zero code.</summary>
public sealed class FfmpegFailedException : Exception
{
    public FfmpegFailedException(int exitCode, IReadOnlyList<string> stderrTail)
        : base(BuildMessage(exitCode, stderrTail))
    {
        ExitCode = exitCode;
        StderrTail = stderrTail;
    }

    public int ExitCode { get; }

    /// <summary>The last lines ffmpeg wrote to stderr, oldest first.</summary>
    public IReadOnlyList<string> StderrTail { get; }

    private static string BuildMessage(int exitCode, IReadOnlyList<string> stderrTail)
    {
        ArgumentNullException.ThrowIfNull(stderrTail);
        return stderrTail.Count == 0
            ? $"ffmpeg exited with code {exitCode} and wrote nothing to stderr."
            : $"ffmpeg exited with code {exitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, stderrTail)}";
    }
}
