using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// An ffmpeg that transcodes at the speed of playback (<c>-re</c>), standing in for a machine where decoding a long file
/// takes as long as the file lasts (the 3 h, 2 fps 1080p file ran for minutes). Start-up checks, probes and
/// stills run the real ffmpeg at full speed. Each transcode writes its process id (kept through <c>exec</c>) to
/// <see cref="PidFile"/>, so a test can see whether ffmpeg still runs.
/// </summary>
public sealed class SlowFfmpeg : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"slow-ffmpeg-{Guid.NewGuid():N}");

    public SlowFfmpeg()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path,
            "#!/bin/sh\n"
            + "case \"$*\" in *-progress*) echo $$ > '" + PidFile + "'; exec ffmpeg -re \"$@\" ;; esac\n"
            + "exec ffmpeg \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public string Path => System.IO.Path.Combine(_directory, "ffmpeg");

    public string PidFile => System.IO.Path.Combine(_directory, "transcode.pid");

    /// <summary>The process id of the latest transcode, once one has started.</summary>
    public int? LatestPid =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), out var pid) ? pid : null;

    public static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    /// <summary>16×16, 1 fps, 3 h: a few hundred kB (the decode bomb).</summary>
    public static Task<string> DecodeBombAsync() => TestMedia.LavfiAsync("bomb-16x16-1fps-3h.mp4",
        ["-f", "lavfi", "-i", "color=s=16x16:r=1:d=10800", "-c:v", "libx264", "-preset", "ultrafast", "-g", "600", "-pix_fmt", "yuv420p"]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A transcode still writing its pid: the temp folder is swept anyway.
        }
    }
}
