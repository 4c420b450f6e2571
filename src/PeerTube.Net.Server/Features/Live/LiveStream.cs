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
    private readonly Func<FlvStreamInfo?, LiveFfmpeg> _start;
    private readonly DeferredFlvStream _flv;
    private Process? _ffmpeg;
    private Task _stderrPump = Task.CompletedTask;
    private Task _stdoutPump = Task.CompletedTask;

    /// <param name="start">Starts ffmpeg for what the publisher's metadata says of the source (called once, with its first FLV tag).</param>
    public LiveStream(LiveIngest ingest, int videoId, Guid videoUuid, int? ownerUserId, int sessionId, string hlsDirectory, bool permanent,
        bool keepsSegments, DateTimeOffset startedAt, Func<FlvStreamInfo?, LiveFfmpeg> start)
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
        _start = start;
        _flv = new DeferredFlvStream(Open);
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

    public Stream Flv => _flv;

    /// <summary>The renditions ffmpeg makes, once it started (with the publisher's first FLV tag).</summary>
    public LivePlan? Plan { get; private set; }

    public ValueTask PublishEndedAsync(RtmpPublishEnd end) => new(_ingest.EndAsync(this, end));

    /// <summary>Cuts the stream: ffmpeg is killed, the RTMP server's next write fails and the publish ends.</summary>
    public void Stop(int error)
    {
        StopError ??= error;
        _flv.Fail("The live stream was stopped.");
        Kill();
    }

    private Stream Open(FlvStreamInfo? source)
    {
        var ffmpeg = _start(source);
        _ffmpeg = ffmpeg.Process;
        _stderrPump = PumpAsync(ffmpeg.Process.StandardError, ffmpeg.Log);
        _stdoutPump = ffmpeg.Process.StandardOutput.ReadToEndAsync();
        Plan = ffmpeg.Plan;
        return ffmpeg.Process.StandardInput.BaseStream;
    }

    /// <summary>Closes ffmpeg's stdin (it then writes its last segment and exits); kills it if it does not within <paramref name="grace"/>.</summary>
    /// <returns>ffmpeg's exit code, or null when it had to be killed.</returns>
    public async Task<int?> FinishAsync(TimeSpan grace)
    {
        try
        {
            await _flv.DisposeAsync();
        }
        catch (IOException)
        {
            // ffmpeg already gone: the pipe is broken.
        }

        if (_ffmpeg is null)
        {
            // Nothing came before the end: no ffmpeg was started.
            Ending.Dispose();
            return StopError is null ? 0 : null;
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
            _ffmpeg?.Kill(entireProcessTree: true);
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

/// <summary>A live's started ffmpeg: the process, the log its stderr goes to, and what it makes.</summary>
internal sealed record LiveFfmpeg(Process Process, TextWriter Log, LivePlan Plan);
