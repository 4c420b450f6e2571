using System.Diagnostics;
using FFMpegCore;
using FFMpegCore.Exceptions;
using PeerTube.Net.Media.Internal;

namespace PeerTube.Net.Media;

/// <summary>
/// Runs ffmpeg, reports <c>-progress</c> output and keeps a per-run log. Commands built with FFMpegCore
/// (<see cref="FfmpegCommand"/>) run through FFMpegCore's processor; the few it cannot express run from an argument list.
/// </summary>
public sealed class FfmpegRunner(FfmpegTools tools)
{
    private const int StderrTailLines = 20;

    private readonly FfmpegTools _tools = tools ?? throw new ArgumentNullException(nameof(tools));

    /// <summary>
    /// Runs ffmpeg to completion. Put <c>-progress pipe:1 -nostats</c> in <paramref name="arguments"/> to get progress.
    /// </summary>
    /// <param name="inputDuration">Used to turn ffmpeg's output time into a percentage; zero means "only report 100 at the end".</param>
    /// <param name="progress">Receives 0..100.</param>
    /// <param name="log">Receives the exact command line first, then every stderr line.</param>
    /// <exception cref="FfmpegFailedException">Non-zero exit code; carries the stderr tail.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the whole process tree has been killed.</exception>
    public async Task RunAsync(
        IReadOnlyList<string> arguments,
        TimeSpan inputDuration,
        IProgress<double>? progress,
        TextWriter? log,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ct.ThrowIfCancellationRequested();

        var tool = ToolIdentity.Ffmpeg(_tools);
        if (log is not null)
        {
            await log.WriteLineAsync(CommandLine.Format(tool.Path, arguments)).ConfigureAwait(false);
        }

        using var process = ProcessRunner.Start(tool, arguments);
        var tail = new Queue<string>(StderrTailLines);
        var parser = new FfmpegProgressParser(inputDuration);

        var stderrTask = PumpStderrAsync(process, tail, log);
        var stdoutTask = PumpProgressAsync(process, parser, progress);

        await using (ct.Register(static state => ProcessRunner.KillTree((Process)state!), process))
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stderrTask, stdoutTask).ConfigureAwait(false);
        }

        if (ct.IsCancellationRequested)
        {
            if (log is not null)
            {
                await log.WriteLineAsync("ffmpeg was cancelled and killed.").ConfigureAwait(false);
            }

            throw new OperationCanceledException("ffmpeg was cancelled.", ct);
        }

        if (log is not null)
        {
            await log.WriteLineAsync($"ffmpeg exited with code {process.ExitCode}.").ConfigureAwait(false);
        }

        if (process.ExitCode != 0)
        {
            throw new FfmpegFailedException(process.ExitCode, tail.ToArray());
        }

        if (!parser.Ended)
        {
            progress?.Report(100);
        }
    }

    /// <summary>
    /// Runs an FFMpegCore-built command to completion through <see cref="FFMpegArgumentProcessor"/>. The command should
    /// carry <c>-progress pipe:1 -nostats</c> to report progress: its stdout is read as <c>-progress</c> blocks.
    /// </summary>
    /// <param name="inputDuration">Used to turn ffmpeg's output time into a percentage; zero means "only report 100 at the end".</param>
    /// <param name="progress">Receives 0..100.</param>
    /// <param name="log">Receives the exact command line first, then every stderr line.</param>
    /// <exception cref="FfmpegFailedException">Non-zero exit code; carries the stderr tail.</exception>
    /// <exception cref="FfmpegNotFoundException">The configured ffmpeg does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; ffmpeg has been killed.</exception>
    /// <exception cref="FfmpegStoppedException">A limit of <paramref name="limits"/> was passed; ffmpeg has been killed.</exception>
    public async Task RunAsync(
        FfmpegCommand command,
        TimeSpan inputDuration,
        IProgress<double>? progress,
        TextWriter? log,
        CancellationToken ct,
        FfmpegRunLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        ct.ThrowIfCancellationRequested();

        var tool = ToolIdentity.Ffmpeg(_tools);
        var options = FfmpegCoreOptions.For(tool);
        var gate = new Lock();
        if (log is not null)
        {
            await log.WriteLineAsync($"{CommandLine.Quote(tool.Path)} {command.Text}").ConfigureAwait(false);
        }

        var parser = new FfmpegProgressParser(inputDuration);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var processor = command.CreateProcessor()
            .NotifyOnStandardError(line =>
            {
                if (log is not null && line.Length > 0)
                {
                    lock (gate)
                    {
                        log.WriteLine(line);
                    }
                }
            })
            .NotifyOnStandardOutput(line =>
            {
                if (parser.Feed(line) is { } percent)
                {
                    progress?.Report(percent);
                }
            })
            // Zero: no polite "q" on stdin (our commands say -nostdin); the process is killed at once.
            .CancellableThrough(stop.Token, TimeSpan.Zero);

        FFMpegResult? result = null;
        var watchdog = limits is null ? null : new FfmpegWatchdog(limits, () => parser.FurthestMicroseconds);
        using var watchEnd = new CancellationTokenSource();
        var watching = watchdog?.WatchAsync(stop, watchEnd.Token) ?? Task.CompletedTask;
        try
        {
            result = await processor.ProcessAsynchronously(throwOnError: false, options, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (FFMpegException e) when (e is not FFMpegProcessException)
        {
            // FFMpegCore checks `ffmpeg -version` once per process before its first run.
            throw new FfmpegFailedException(-1, [e.Message]);
        }
        finally
        {
            await watchEnd.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
        }

        if (watchdog?.Reason is { } reason && !ct.IsCancellationRequested)
        {
            if (log is not null)
            {
                lock (gate)
                {
                    log.WriteLine($"ffmpeg was killed by the watchdog: {reason}");
                }
            }

            throw new FfmpegStoppedException(reason);
        }

        if (result is null || result.Cancelled || stop.IsCancellationRequested)
        {
            if (log is not null)
            {
                lock (gate)
                {
                    log.WriteLine("ffmpeg was cancelled and killed.");
                }
            }

            throw new OperationCanceledException("ffmpeg was cancelled.", ct);
        }

        if (log is not null)
        {
            lock (gate)
            {
                log.WriteLine($"ffmpeg exited with code {result.ExitCode}.");
            }
        }

        if (result.ExitCode != 0)
        {
            var tail = result.StandardError.Where(l => l.Length > 0).TakeLast(StderrTailLines).ToArray();
            throw new FfmpegFailedException(result.ExitCode, tail);
        }

        if (!parser.Ended)
        {
            progress?.Report(100);
        }
    }

    /// <summary>Runs ffmpeg and returns what it wrote to stdout (e.g. <c>-f null</c> analyses, <c>-encoders</c>).</summary>
    /// <exception cref="FfmpegFailedException">Non-zero exit code.</exception>
    public async Task<string> RunForOutputAsync(IReadOnlyList<string> arguments, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var result = await ProcessRunner.RunAsync(ToolIdentity.Ffmpeg(_tools), arguments, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var tail = result.StandardError
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .TakeLast(StderrTailLines)
                .ToArray();
            throw new FfmpegFailedException(result.ExitCode, tail);
        }

        return result.StandardOutput;
    }

    private static async Task PumpStderrAsync(Process process, Queue<string> tail, TextWriter? log)
    {
        while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (tail.Count == StderrTailLines)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
            if (log is not null)
            {
                await log.WriteLineAsync(line).ConfigureAwait(false);
            }
        }
    }

    private static async Task PumpProgressAsync(Process process, FfmpegProgressParser parser, IProgress<double>? progress)
    {
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
        {
            if (parser.Feed(line) is { } percent)
            {
                progress?.Report(percent);
            }
        }
    }
}
