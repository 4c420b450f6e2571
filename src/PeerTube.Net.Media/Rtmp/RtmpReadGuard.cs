namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// Watches the reads and writes of one connection: counts the bytes read, cancels a read or a write that waits longer
/// than the idle timeout (the clock runs only while we wait on the client, not while a sink takes its time), and, once publishing, drops a publisher whose rate over a whole window stays under the
/// floor (a trickle that the idle timeout alone would let hold a live slot forever).
/// </summary>
public sealed class RtmpReadGuard : IDisposable
{
    private readonly CancellationTokenSource _idle;
    private readonly TimeSpan _idleTimeout;
    private readonly TimeProvider _time;
    private readonly int _minBytesPerSecond;
    private readonly TimeSpan _window;
    private long _windowStart;
    private long _windowBytes;
    private bool _rateChecked;

    public RtmpReadGuard(RtmpOptions options, TimeProvider time, CancellationToken ct)
    {
        _idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _idleTimeout = options.IdleTimeout;
        _time = time;
        _minBytesPerSecond = options.MinPublishBytesPerSecond;
        _window = options.SlowPublisherWindow;
    }

    public long TotalBytes { get; private set; }

    /// <summary>True once a read or write was cancelled because the client stayed silent, or did not read, too long.</summary>
    public bool TimedOut => _idle.IsCancellationRequested;

    /// <summary>Starts measuring the publish rate (before a publish, only the idle and publish timeouts apply).</summary>
    public void StartRateCheck()
    {
        _rateChecked = _minBytesPerSecond > 0;
        _windowStart = _time.GetTimestamp();
        _windowBytes = 0;
    }

    /// <summary>The token for the next read or write, cancelled if it does not complete within the idle timeout.</summary>
    public CancellationToken Arm()
    {
        _idle.CancelAfter(_idleTimeout);
        return _idle.Token;
    }

    /// <summary>Stops the clock until the next <see cref="Arm"/>.</summary>
    public void Disarm()
    {
        if (!_idle.IsCancellationRequested)
        {
            _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <exception cref="RtmpException">The publisher stayed under the floor rate for a whole window.</exception>
    public void AfterRead(int count)
    {
        Disarm();
        TotalBytes += count;
        if (!_rateChecked)
        {
            return;
        }

        _windowBytes += count;
        var elapsed = _time.GetElapsedTime(_windowStart);
        if (elapsed < _window)
        {
            return;
        }

        var rate = _windowBytes / elapsed.TotalSeconds;
        if (rate < _minBytesPerSecond)
        {
            throw new RtmpException(
                $"The publisher sent {rate:F0} bytes/s over the last {elapsed.TotalSeconds:F0} s, under the floor of {_minBytesPerSecond} bytes/s.");
        }

        _windowStart = _time.GetTimestamp();
        _windowBytes = 0;
    }

    public void Dispose() => _idle.Dispose();
}
