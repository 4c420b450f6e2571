using System.Diagnostics;
using System.Globalization;

namespace PeerTube.Net.Media;

/// <summary>
/// Limits on one ffmpeg run, checked while it runs. Any of them may be null (no limit).
/// </summary>
/// <param name="StallTimeout">Stop when ffmpeg's output time has not moved for this long.</param>
/// <param name="MaxRunTime">Stop when the run takes longer than this, progress or not.</param>
/// <param name="MaxOutputBytes">Stop when the files under <paramref name="OutputDirectory"/> grow past this.</param>
public sealed record FfmpegRunLimits(TimeSpan? StallTimeout, TimeSpan? MaxRunTime, long? MaxOutputBytes, string? OutputDirectory);

/// <summary>ffmpeg was stopped by the watchdog (<see cref="FfmpegRunLimits"/>); the message says which limit and is fit to show.</summary>
public sealed class FfmpegStoppedException(string reason) : Exception(reason);

/// <summary>
/// Watches one run: polls the progress parser's output time, the clock and the output size, and cancels the run with a
/// reason when a limit is passed. A decode bomb (hours of tiny frames) or a stuck demuxer then frees its worker.
/// </summary>
internal sealed class FfmpegWatchdog(FfmpegRunLimits limits, Func<long> outputTime)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _reason;

    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Runs until <paramref name="done"/> is cancelled; cancels <paramref name="stop"/> when a limit is passed.</summary>
    public async Task WatchAsync(CancellationTokenSource stop, CancellationToken done)
    {
        var interval = TimeSpan.FromSeconds(1);
        if (limits.StallTimeout is { } stall && stall / 4 < interval)
        {
            interval = TimeSpan.FromMilliseconds(Math.Max(50, stall.TotalMilliseconds / 4));
        }

        var lastTime = long.MinValue;
        var lastProgressAt = TimeSpan.Zero;
        try
        {
            while (!done.IsCancellationRequested)
            {
                await Task.Delay(interval, done).ConfigureAwait(false);
                var now = _clock.Elapsed;
                var time = outputTime();
                if (time > lastTime)
                {
                    lastTime = time;
                    lastProgressAt = now;
                }

                var reason = Check(now, now - lastProgressAt);
                if (reason is not null)
                {
                    Volatile.Write(ref _reason, reason);
                    await stop.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
            // The run ended first.
        }
    }

    private string? Check(TimeSpan elapsed, TimeSpan sinceProgress)
    {
        if (limits.StallTimeout is { } stall && sinceProgress > stall)
        {
            return $"Transcoding was stopped: ffmpeg made no progress for {Seconds(stall)}.";
        }

        if (limits.MaxRunTime is { } max && elapsed > max)
        {
            return $"Transcoding was stopped: it ran longer than the {Seconds(max)} allowed for this video.";
        }

        if (limits is { MaxOutputBytes: { } cap, OutputDirectory: { } directory } && OutputBytes(directory) > cap)
        {
            return $"Transcoding was stopped: its output grew past the limit of {cap.ToString(CultureInfo.InvariantCulture)} bytes.";
        }

        return null;
    }

    private static long OutputBytes(string directory)
    {
        try
        {
            return new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A file replaced while we counted: count again on the next tick.
            return 0;
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
}
