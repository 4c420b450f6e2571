using System.Globalization;
using System.Runtime.InteropServices;

namespace PeerTube.Net.Bench;

/// <summary>CPU time (user + sys): of this process and its finished children, of another process and its children, of the whole machine.</summary>
internal static partial class CpuClock
{
    private const int RusageSelf = 0;
    private const int RusageChildren = -1;
    private const int ScClkTck = 2;

    /// <summary>
    /// getrusage(RUSAGE_CHILDREN): user + sys of every child this process has waited for (and of their waited-for
    /// children). .NET reaps a <see cref="System.Diagnostics.Process"/> as soon as it exits, so a finished ffmpeg
    /// is counted by the time its exit has been observed.
    /// </summary>
    public static TimeSpan ChildrenCpu() => UsageOf(RusageChildren);

    /// <summary>getrusage(RUSAGE_SELF): this benchmark process (HTTP polling, output pumping, child sampling).</summary>
    public static TimeSpan SelfCpu() => UsageOf(RusageSelf);

    /// <summary>
    /// CPU time the whole machine spent busy (all CPUs, from the first line of /proc/stat): user, nice, system,
    /// irq, softirq and steal. Minus what a run measured, it shows how much else was running during the run.
    /// </summary>
    public static TimeSpan MachineBusy()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already counted in user).
        var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
        return TimeSpan.FromSeconds((double)busy / ClockTicksPerSecond);
    }

    /// <summary>The 1-minute load average.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static TimeSpan UsageOf(int who)
    {
        if (GetRusage(who, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        var micros = (usage.UserSeconds + usage.SystemSeconds) * 1_000_000 + usage.UserMicros + usage.SystemMicros;
        return TimeSpan.FromTicks(micros * 10);
    }

    /// <summary>
    /// From /proc/&lt;pid&gt;/stat: utime + stime (the process itself) and cutime + cstime (the children it has
    /// waited for). Resolution is one clock tick (10 ms with the usual CLK_TCK of 100).
    /// </summary>
    public static ProcessCpu ProcessTreeCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime, stime, cutime, cstime are fields 14..17.
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond);
        return new ProcessCpu(Ticks(Field(14) + Field(15)), Ticks(Field(16) + Field(17)));
    }

    public static long ClockTicksPerSecond { get; } = SysConf(ScClkTck) is > 0 and var hz ? hz : 100;

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Asks a process to stop (SIGTERM), as a service manager would.</summary>
    public static bool Terminate(int pid) => Kill(pid, 15) == 0;
}

/// <param name="Self">The process's own user + sys time.</param>
/// <param name="Children">User + sys time of its waited-for children (ffmpeg, ffprobe).</param>
internal readonly record struct ProcessCpu(TimeSpan Self, TimeSpan Children)
{
    public TimeSpan Total => Self + Children;

    public static ProcessCpu operator -(ProcessCpu a, ProcessCpu b) => new(a.Self - b.Self, a.Children - b.Children);
}
