using System.Security.Cryptography;
using System.Text;
using FFMpegCore;

namespace PeerTube.Net.Media.Internal;

/// <summary>
/// Turns our configured executable path (<c>Transcoding:FfmpegPath</c>, <c>Transcoding:FfprobePath</c>) into FFMpegCore's
/// <see cref="FFOptions"/>. FFMpegCore only takes a <see cref="FFOptions.BinaryFolder"/>, always runs a file named exactly
/// <c>ffmpeg</c>/<c>ffprobe</c> in it, and silently falls back to the one on PATH when that file is missing. So we
/// resolve the path ourselves (a missing tool is <see cref="FfmpegNotFoundException"/>, never another ffmpeg), and an
/// executable with another name (a wrapper script, <c>ffmpeg-6</c>) is reached through a folder holding a symbolic
/// link with the expected name.
/// </summary>
internal static class FfmpegCoreOptions
{
    private static readonly string ShimRoot = Path.Combine(Path.GetTempPath(), "peertube-net-ffmpegcore");

    public static FFOptions For(ToolIdentity tool)
    {
        var resolved = Resolve(tool.Path) ?? throw new FfmpegNotFoundException(tool.Name, tool.Path, tool.SettingName);
        var name = OperatingSystem.IsWindows() ? tool.Name + ".exe" : tool.Name;
        var folder = string.Equals(Path.GetFileName(resolved), name, StringComparison.Ordinal)
            ? Path.GetDirectoryName(resolved)!
            : Shim(resolved, name);

        var options = new FFOptions { BinaryFolder = folder };
        var chosen = tool.Name == "ffprobe" ? GlobalFFOptions.GetFFProbeBinaryPath(options) : GlobalFFOptions.GetFFMpegBinaryPath(options);
        if (!string.Equals(chosen, Path.Combine(folder, name), StringComparison.Ordinal))
        {
            throw new FfmpegNotFoundException(tool.Name, tool.Path, tool.SettingName);
        }

        return options;
    }

    private static string? Resolve(string path)
    {
        if (Path.IsPathRooted(path) || path.Contains(Path.DirectorySeparatorChar) || path.Contains(Path.AltDirectorySeparatorChar))
        {
            var full = Path.GetFullPath(path);
            return File.Exists(full) ? full : null;
        }

        var searchPath = Environment.GetEnvironmentVariable("PATH") ?? "";
        return searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, path))
            .FirstOrDefault(File.Exists);
    }

    private static string Shim(string target, string name)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(target)))[..16];
        var folder = Path.Combine(ShimRoot, key);
        var link = Path.Combine(folder, name);
        if (!File.Exists(link))
        {
            Directory.CreateDirectory(folder);
            try
            {
                File.Delete(link);
                File.CreateSymbolicLink(link, target);
            }
            catch (IOException) when (File.Exists(link))
            {
                // Another run created it at the same moment.
            }
        }

        return folder;
    }
}
