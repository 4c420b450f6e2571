using System.Diagnostics;
using System.Globalization;

namespace PeerTube.Net.Server.Tests.Infrastructure;

/// <summary>Media made at test time with ffmpeg's lavfi sources, cached for the run. Nothing binary is committed.</summary>
public static class TestMedia
{
    private static readonly string Directory = Path.Combine(Path.GetTempPath(), $"peertube-net-test-media-{Environment.ProcessId}");
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static Task<string> VideoAsync(int width = 320, int height = 180, double seconds = 2, bool audio = true, string codec = "libx264") =>
        MakeAsync($"video-{width}x{height}-{seconds.ToString(CultureInfo.InvariantCulture)}s-{(audio ? "av" : "v")}-{codec}.mp4", path =>
        {
            var args = new List<string> { "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=25" };
            if (audio)
            {
                args.AddRange(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]);
            }

            args.AddRange(["-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", codec, "-pix_fmt", "yuv420p"]);
            if (audio)
            {
                args.AddRange(["-c:a", "aac", "-shortest"]);
            }

            args.Add(path);
            return args;
        });

    public static Task<string> AudioOnlyAsync(double seconds = 2) =>
        MakeAsync($"audio-{seconds.ToString(CultureInfo.InvariantCulture)}s.m4a", path =>
            ["-f", "lavfi", "-i", "sine=frequency=660:sample_rate=44100", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:a", "aac", path]);

    public static async Task<string> GarbageAsync()
    {
        var path = Path.Combine(EnsureDirectory(), "garbage.mp4");
        var bytes = new byte[64 * 1024];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    public static async Task<string> EmptyAsync()
    {
        var path = Path.Combine(EnsureDirectory(), "empty.mp4");
        await File.WriteAllBytesAsync(path, []);
        return path;
    }

    /// <summary>The first third of an mp4 whose index (moov) is written at the end: unplayable.</summary>
    public static async Task<string> TruncatedAsync()
    {
        var full = await File.ReadAllBytesAsync(await VideoAsync());
        var path = Path.Combine(EnsureDirectory(), "truncated.mp4");
        await File.WriteAllBytesAsync(path, full[..(full.Length / 3)]);
        return path;
    }

    /// <summary>Any file made by one ffmpeg run from lavfi sources (the output path is appended), cached by name.</summary>
    public static Task<string> LavfiAsync(string name, IReadOnlyList<string> arguments) =>
        MakeAsync(name, path => [.. arguments, path]);

    public static Task<string> ImageAsync() =>
        MakeAsync("image.png", path => ["-f", "lavfi", "-i", "testsrc2=size=400x300", "-frames:v", "1", path]);

    private static string EnsureDirectory()
    {
        System.IO.Directory.CreateDirectory(Directory);
        return Directory;
    }

    private static async Task<string> MakeAsync(string name, Func<string, List<string>> arguments)
    {
        var path = Path.Combine(EnsureDirectory(), name);
        await Gate.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                var tmp = Path.Combine(EnsureDirectory(), "tmp-" + name);
                await RunFfmpegAsync(["-hide_banner", "-v", "error", "-y", .. arguments(tmp)]);
                File.Move(tmp, path, overwrite: true);
            }

            return path;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<string> RunFfmpegAsync(IEnumerable<string> arguments, string program = "ffmpeg")
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
