using System.Globalization;
using System.Runtime.InteropServices;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Transcoding;

namespace PeerTube.Net.Bench;

internal sealed record ReportContext(
    BenchOptions Options,
    FfmpegCapabilities Capabilities,
    MediaInfo Input,
    TranscodePlan Plan,
    IReadOnlyList<Measurement> Measurements,
    Measurement WarmUp,
    double IdleCpuPerSecond,
    string CodeState);

/// <summary>The markdown printed at the end of a benchmark run.</summary>
internal static class Report
{
    private const double CpuGoal = 0.75;
    private const double WallGoal = 1.10;

    public static string Label(Variant v) => v switch
    {
        Variant.Job => "(a) our job, upload done → published",
        Variant.PerResolution => "(b) PeerTube-style, one ffmpeg per rendition, sequential",
        Variant.SingleCommand => "(c) our bare ffmpeg command, one decode",
        _ => v.ToString(),
    };

    public static string Describe(Rendition r)
    {
        if (r.AudioOnly)
        {
            return $"audio-only ({(r.CopyAudio ? "copy" : "aac")})";
        }

        var video = r.CopyVideo ? "video copy" : $"x264 maxrate {r.VideoBitrate / 1000} kb/s";
        var audio = !r.HasAudio ? "no audio" : r.CopyAudio ? "audio copy" : "aac";
        return string.Create(CultureInfo.InvariantCulture, $"{r.Resolution}p {r.Width}x{r.Height}@{r.Fps:0.##} ({video}, {audio})");
    }

    public static string Markdown(ReportContext context)
    {
        var (options, capabilities, input, plan, measurements, warmUp, idleCpuPerSecond, codeState) = context;
        var w = new StringWriter(CultureInfo.InvariantCulture);
        var medians = Enum.GetValues<Variant>().ToDictionary(v => v, v => Summary.Of(measurements.Where(m => m.Variant == v).ToList()));
        var a = medians[Variant.Job];
        var b = medians[Variant.PerResolution];
        var c = medians[Variant.SingleCommand];

        w.WriteLine($"### Transcoding benchmark ({(options.Quick ? "quick" : "full")} mode, {options.Runs} run(s) per variant, interleaved a,b,c; medians)");
        w.WriteLine();
        w.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        w.WriteLine($"- Machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        w.WriteLine($"- Server built from the working tree: {codeState}");
        w.WriteLine($"- ffmpeg {capabilities.Version}; encoder threads: ffmpeg's choice (Transcoding:Threads = 0) in all variants; server Transcoding:Concurrency = 1");
        var v = input.Video;
        w.WriteLine($"- Source: {v?.Width}x{v?.Height} {v?.Codec} {v?.PixelFormat} {v?.Fps:0.##} fps + {input.Audio?.Codec} {input.Audio?.Channels} ch, " +
                    $"{input.Duration.TotalSeconds:0.#} s, {input.BitRate / 1000} kb/s (lavfi testsrc2 + sine, libx264 veryfast)");
        w.WriteLine($"- Plan (ffmpeg-profiles/default.json), the same in all three variants: {string.Join("; ", plan.Renditions.Select(Describe))}");
        if (plan.Renditions.FirstOrDefault(r => !r.AudioOnly) is { } top)
        {
            w.WriteLine($"- Quick transcode of the {top.Resolution}p rendition: {(top.CopyVideo ? "yes, the video is stream-copied" : "no, it is re-encoded")}");
        }

        w.WriteLine();
        w.WriteLine("| Variant | Wall (s) | CPU user+sys (s) | CPU / wall | Renditions | Output (MB) |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (variant, m) in medians)
        {
            w.WriteLine($"| {Label(variant)} | {m.Wall:0.00} | {m.Cpu:0.00} | {m.Cpu / m.Wall:0.00} | {m.Renditions} | {m.Mb:0.0} |");
        }

        var cpuRatio = a.Cpu / b.Cpu;
        var wallRatio = a.Wall / c.Wall;
        var jobs = measurements.Where(m => m.Variant == Variant.Job && m.LadderWall is not null).ToList();
        var paired = jobs.Count == 0 ? double.NaN : Median(jobs.Select(m => m.Wall / m.LadderWall!.Value));

        w.WriteLine();
        w.WriteLine("| Ratio (of medians) | Value | Goal | Met |");
        w.WriteLine("|---|---:|---:|---|");
        w.WriteLine($"| CPU(a) / CPU(b) | {cpuRatio:0.000} | ≤ {CpuGoal:0.00} | {Met(cpuRatio <= CpuGoal)} |");
        w.WriteLine($"| wall(a) / wall(c) | {wallRatio:0.000} | ≤ {WallGoal:0.00} | {Met(wallRatio <= WallGoal)} |");
        w.WriteLine($"| wall(a) / wall of the ladder ffmpeg inside the same (a) run (paired; median over runs) | {paired:0.000} | — | — |");
        w.WriteLine($"| CPU(c) / CPU(b): ffmpeg alone, one decode vs one per rendition | {c.Cpu / b.Cpu:0.000} | — | — |");
        w.WriteLine($"| CPU(a) / CPU(c): job overhead on top of the bare command | {a.Cpu / c.Cpu:0.000} | — | — |");
        w.WriteLine($"| wall(c) / wall(b) | {c.Wall / b.Wall:0.000} | — | — |");
        w.WriteLine($"| wall(a) / wall(b) | {a.Wall / b.Wall:0.000} | — | — |");

        w.WriteLine();
        var selfMedian = Median(measurements.Where(m => m.ServerSelfCpu is not null).Select(m => m.ServerSelfCpu!.Value.TotalSeconds));
        w.WriteLine($"Of CPU(a), the server process itself (.NET: job, HTTP, database, hashing, JIT) used {selfMedian:0.00} s and its children " +
                    $"(ffmpeg, ffprobe) {a.Cpu - selfMedian:0.00} s (medians). Idle, the server uses {idleCpuPerSecond * 1000:0.#} ms of CPU per second " +
                    $"(measured over 10 s before the first counted run), about {idleCpuPerSecond * a.Wall:0.00} s of CPU(a); it is included, not subtracted. " +
                    $"(a) also includes the job's ffprobe calls, thumbnail/preview grabs, segment hashing and this benchmark's status polling every " +
                    $"{Bench.PollInterval.TotalMilliseconds:0} ms.");
        w.WriteLine();
        w.WriteLine($"Cold first job after the server started (the warm-up, same source, not counted): wall {warmUp.Wall.TotalSeconds:0.00} s, " +
                    $"CPU {warmUp.Cpu.TotalSeconds:0.00} s, of which the server process itself {warmUp.ServerSelfCpu?.TotalSeconds:0.00} s.");

        w.WriteLine();
        w.WriteLine("Every run (\"other load\": CPU the rest of the machine used during the run, i.e. all busy CPU minus the measured processes and this benchmark):");
        w.WriteLine();
        w.WriteLine("| Run | Variant | Wall (s) | CPU (s) | Server process itself (s) | Other load (CPU s) | Load avg at start |");
        w.WriteLine("|---:|---|---:|---:|---:|---:|---:|");
        foreach (var m in measurements)
        {
            var self = m.ServerSelfCpu is { } s ? s.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) : "—";
            w.WriteLine($"| {m.Run} | {Label(m.Variant)} | {m.Wall.TotalSeconds:0.00} | {m.Cpu.TotalSeconds:0.00} | {self} | {m.OthersCpu.TotalSeconds:0.0} | {m.LoadAverage:0.0} |");
        }

        if (jobs.Count > 0)
        {
            w.WriteLine();
            w.WriteLine(Timeline(jobs));
        }

        return w.ToString();
    }

    /// <summary>Where the wall time of each (a) run went, from the sampled child processes.</summary>
    private static string Timeline(List<Measurement> jobs)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine($"Where the wall time of (a) goes. The server's child processes are sampled every {Bench.SampleInterval.TotalMilliseconds:0} ms " +
                    $"from this process, so each process's time is ± half of that, and one shorter than that can be missed (count in brackets). " +
                    $"The sampling and the status polling cost this benchmark process {Median(jobs.Select(j => j.BenchCpu.TotalSeconds)):0.00} s of CPU per run " +
                    "(median), not counted in CPU(a).");
        w.WriteLine();
        w.WriteLine("| Phase (wall s) | " + string.Join(" | ", jobs.Select(j => $"run {j.Run}")) + " |");
        w.WriteLine("|---|" + string.Concat(jobs.Select(_ => "---:|")));

        var half = Bench.SampleInterval / 2;
        TimeSpan FirstChild(Measurement j) => j.Children.Count == 0 ? j.Wall : j.Children.Min(c => c.FirstSeen) - half;
        static double InKind(Measurement j, string kind) => j.Children.Where(c => c.Kind == kind).Sum(c => c.Duration.TotalSeconds);
        static double InChildren(Measurement j) => j.Children.Sum(c => c.Duration.TotalSeconds);

        void Row(string name, Func<Measurement, string> cell) => w.WriteLine($"| {name} | " + string.Join(" | ", jobs.Select(cell)) + " |");

        Row("upload answered → first child process (queue pickup, job start)", j => $"{FirstChild(j).TotalSeconds:0.00}");
        var kinds = jobs.SelectMany(j => j.Children).Select(c => c.Kind!).Distinct().ToList();
        foreach (var kind in kinds.OrderBy(k => jobs.SelectMany(j => j.Children).Where(c => c.Kind == k).Min(c => c.FirstSeen)))
        {
            Row(kind, j => $"{InKind(j, kind):0.00} ({j.Children.Count(c => c.Kind == kind)}×)");
        }

        Row("no child process running, after the first one started (.NET: playlists, hashing, DB, publish; status-poll lag)",
            j => $"{(j.Wall - FirstChild(j)).TotalSeconds - InChildren(j):0.00}");
        Row("**total**", j => $"{j.Wall.TotalSeconds:0.00}");
        return w.ToString();
    }

    private static string Met(bool met) => met ? "yes" : "**no**";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    private sealed record Summary(double Wall, double Cpu, int Renditions, double Mb)
    {
        public static Summary Of(List<Measurement> runs) => new(
            Median(runs.Select(m => m.Wall.TotalSeconds)),
            Median(runs.Select(m => m.Cpu.TotalSeconds)),
            runs[0].Renditions,
            Median(runs.Select(m => m.OutputBytes / 1e6)));
    }
}
