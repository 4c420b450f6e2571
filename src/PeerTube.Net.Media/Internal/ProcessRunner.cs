using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace PeerTube.Net.Media.Internal;

/// <summary>Starts ffmpeg/ffprobe with an argument list (never a command string) and kills the whole tree on cancellation.</summary>
internal static class ProcessRunner
{
    internal sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Process Start(ToolIdentity tool, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);

        var startInfo = new ProcessStartInfo(tool.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Closed right after start: ffmpeg must never read the server's own stdin (or stop on SIGTTIN).
            RedirectStandardInput = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            ArgumentNullException.ThrowIfNull(argument, nameof(arguments));
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo)
                ?? throw new FfmpegNotFoundException(tool.Name, tool.Path, tool.SettingName);
        }
        catch (Win32Exception ex)
        {
            throw new FfmpegNotFoundException(tool.Name, tool.Path, tool.SettingName, ex);
        }

        process.StandardInput.Close();
        return process;
    }

    /// <summary>Runs to completion and buffers both streams; for short commands (probe, -version, -encoders).</summary>
    public static async Task<Result> RunAsync(ToolIdentity tool, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var process = Start(tool, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        await using (ct.Register(static state => KillTree((Process)state!), process))
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        }

        ct.ThrowIfCancellationRequested();
        return new Result(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    public static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited: nothing to kill.
        }
        catch (Win32Exception)
        {
            // Exiting while we tried to kill it.
        }
    }
}

internal sealed record ToolIdentity(string Name, string Path, string SettingName)
{
    public static ToolIdentity Ffmpeg(FfmpegTools tools) => new("ffmpeg", tools.FfmpegPath, "Transcoding:FfmpegPath");

    public static ToolIdentity Ffprobe(FfmpegTools tools) => new("ffprobe", tools.FfprobePath, "Transcoding:FfprobePath");
}
