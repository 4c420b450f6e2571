using System.Diagnostics;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// One stream being received: the ffmpeg that reads its FLV on stdin and writes the HLS, and the log of that run.
/// The RTMP server writes to <see cref="Flv"/>; <see cref="LiveIngest"/> decides what happens when it ends.
/// </summary>
internal sealed class LiveStream : IRtmpPublishSink
{
    private readonly LiveIngest _ingest;
    private readonly Process _ffmpeg;
    private readonly Task _stderrPump;
    private readonly Task _stdoutPump;

    public LiveStream(LiveIngest ingest, int videoId, Guid videoUuid, int? ownerUserId, int sessionId, string hlsDirectory, bool permanent,
        bool keepsSegments, Process ffmpeg, TextWriter log, DateTimeOffset startedAt)
    {
        _ingest = ingest;
        VideoId = videoId;
        VideoUuid = videoUuid;
        OwnerUserId = ownerUserId;
        SessionId = sessionId;
        HlsDirectory = hlsDirectory;
        Permanent = permanent;
        KeepsSegments = keepsSegments;
        StartedAt = startedAt;
        _ffmpeg = ffmpeg;
        Flv = ffmpeg.StandardInput.BaseStream;
        _stderrPump = PumpAsync(ffmpeg.StandardError, log);
        _stdoutPump = ffmpeg.StandardOutput.ReadToEndAsync();
    }

    public int VideoId { get; }
    public Guid VideoUuid { get; }
    public int? OwnerUserId { get; }
    public int SessionId { get; }
    public string HlsDirectory { get; }
    public bool Permanent { get; }

    /// <summary>The live saves its replay: ffmpeg keeps every segment, and they become the replay when the stream ends.</summary>
    public bool KeepsSegments { get; }
    public DateTimeOffset StartedAt { get; }

    /// <summary>Set when we cut the stream ourselves (PeerTube's LiveVideoError), kept for the session row.</summary>
    public int? StopError { get; private set; }

    /// <summary>Stops the watcher (publication, duration) when the stream ends.</summary>
    public CancellationTokenSource Ending { get; } = new();

    public Stream Flv { get; }

    public bool HasExited => _ffmpeg.HasExited;

    public ValueTask PublishEndedAsync(RtmpPublishEnd end) => new(_ingest.EndAsync(this, end));

    /// <summary>Cuts the stream: ffmpeg is killed, the RTMP server's next write fails and the publish ends.</summary>
    public void Stop(int error)
    {
        StopError ??= error;
        Kill();
    }

    /// <summary>Closes ffmpeg's stdin (it then writes its last segment and exits); kills it if it does not within <paramref name="grace"/>.</summary>
    /// <returns>ffmpeg's exit code, or null when it had to be killed.</returns>
    public async Task<int?> FinishAsync(TimeSpan grace)
    {
        try
        {
            await Flv.DisposeAsync();
        }
        catch (IOException)
        {
            // ffmpeg already gone: the pipe is broken.
        }

        var killed = false;
        try
        {
            await _ffmpeg.WaitForExitAsync().WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            killed = true;
            Kill();
            await _ffmpeg.WaitForExitAsync();
        }

        await Task.WhenAll(_stderrPump, _stdoutPump);
        var code = killed || StopError is not null ? (int?)null : _ffmpeg.ExitCode;
        _ffmpeg.Dispose();
        Ending.Dispose();
        return code;
    }

    private void Kill()
    {
        try
        {
            _ffmpeg.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private static async Task PumpAsync(StreamReader stderr, TextWriter log)
    {
        try
        {
            while (await stderr.ReadLineAsync() is { } line)
            {
                await log.WriteLineAsync(line);
            }
        }
        finally
        {
            await log.DisposeAsync();
        }
    }
}
