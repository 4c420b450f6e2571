using System.Collections.Concurrent;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>
/// The transcoding runs of this node, by video id, so that deleting a video stops its ffmpeg at once and frees the
/// worker for the next upload. Runs on other nodes notice the deletion themselves: their heartbeat finds the row gone.
/// </summary>
public sealed class RunningTranscodes
{
    private readonly ConcurrentDictionary<int, Run> _runs = new();

    public Run Start(int videoId, CancellationToken ct)
    {
        var run = new Run(this, videoId, ct);
        _runs[videoId] = run;
        return run;
    }

    /// <summary>Stops the run of this video on this node, if there is one.</summary>
    public void Stop(int videoId)
    {
        if (_runs.TryGetValue(videoId, out var run))
        {
            run.Stop();
        }
    }

    public sealed class Run : IDisposable
    {
        private readonly RunningTranscodes _owner;
        private readonly int _videoId;
        private readonly CancellationTokenSource _cts;
        private int _stopped;

        internal Run(RunningTranscodes owner, int videoId, CancellationToken ct)
        {
            _owner = owner;
            _videoId = videoId;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        }

        public CancellationToken Token => _cts.Token;

        /// <summary>Stopped because the video went away (not because the job was cancelled).</summary>
        public bool Stopped => Volatile.Read(ref _stopped) == 1;

        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                try
                {
                    _cts.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The run ended meanwhile.
                }
            }
        }

        public void Dispose()
        {
            _owner._runs.TryRemove(new KeyValuePair<int, Run>(_videoId, this));
            _cts.Dispose();
        }
    }
}
