using System.Diagnostics;
using System.Globalization;

namespace PeerTube.Net.Bench;

/// <summary>
/// Samples the child processes of a process (from /proc/&lt;pid&gt;/task/*/children) to tell where a job's wall
/// time goes: which ffmpeg/ffprobe ran, and for how long. The sampling runs in this benchmark process (its CPU is
/// not counted as the server's) and is cheap at 100 ms: one small read per server thread.
/// </summary>
internal sealed class ChildWatcher : IAsyncDisposable
{
    public const string LadderKind = "ffmpeg HLS ladder";
    public const string ProbeKind = "ffprobe";
    public const string ImageKind = "ffmpeg thumbnail/preview";

    private readonly int _parentPid;
    private readonly Stopwatch _clock;
    private readonly TimeSpan _interval;
    private readonly Dictionary<int, ChildSpan> _children = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private bool _disposed;

    private ChildWatcher(int parentPid, Stopwatch clock, TimeSpan interval)
    {
        _parentPid = parentPid;
        _clock = clock;
        _interval = interval;
        _loop = Task.Run(LoopAsync);
    }

    public static ChildWatcher Start(int parentPid, Stopwatch clock, TimeSpan interval) => new(parentPid, clock, interval);

    /// <summary>What was seen, in order of appearance; complete once the watcher is disposed.</summary>
    public IReadOnlyList<ChildSpan> Children { get; private set; } = [];

    /// <summary>Stops sampling and fills <see cref="Children"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        Children = _children.Values.Where(c => c.Kind is not null).OrderBy(c => c.FirstSeen).ToList();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(_interval);
        do
        {
            Sample();
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Sample()
    {
        var now = _clock.Elapsed;
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{_parentPid.ToString(CultureInfo.InvariantCulture)}/task");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var task in tasks)
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue; // The thread ended.
            }

            foreach (var token in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var pid = int.Parse(token, CultureInfo.InvariantCulture);
                if (!_children.TryGetValue(pid, out var span))
                {
                    span = new ChildSpan(pid, now, _interval);
                    _children[pid] = span;
                }

                span.LastSeen = now;
                // Right after fork the child still shows the parent's command line: classify once it has exec'd.
                span.Kind ??= Classify(pid);
            }
        }
    }

    private static string? Classify(int pid)
    {
        string[] argv;
        try
        {
            argv = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException)
        {
            return null;
        }

        if (argv.Length == 0)
        {
            return null;
        }

        return Path.GetFileName(argv[0]) switch
        {
            "ffprobe" => ProbeKind,
            "ffmpeg" when argv.Contains("-hls_time") => LadderKind,
            "ffmpeg" when argv.Any(a => a.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)) => ImageKind,
            "ffmpeg" => "ffmpeg (other)",
            "dotnet" or "PeerTube.Net.Server" => null,
            var other => other,
        };
    }
}

/// <summary>One child process as sampled: it ran at least from <see cref="FirstSeen"/> to <see cref="LastSeen"/>.</summary>
internal sealed class ChildSpan(int pid, TimeSpan firstSeen, TimeSpan interval)
{
    /// <summary>
    /// Estimated run time: it started within one interval before it was first seen and ended within one interval
    /// after it was last seen, so on average half an interval is missing at each end.
    /// </summary>
    public TimeSpan Duration => LastSeen - FirstSeen + interval;

    public int Pid { get; } = pid;

    public TimeSpan FirstSeen { get; } = firstSeen;

    public TimeSpan LastSeen { get; set; } = firstSeen;

    public string? Kind { get; set; }
}
