using System.Globalization;
using System.Runtime.InteropServices;
using PeerTube.Net.Media.Torrents.PeerWire;

namespace PeerTube.Net.Bench;

internal sealed record TorrentReportContext(
    BenchOptions Options,
    string FfmpegVersion,
    string Aria2Version,
    string CurlVersion,
    string CodeState,
    long SourceBytes,
    TorrentSubject Subject,
    IReadOnlyList<Download> Measurements,
    IReadOnlyList<Download> WarmUp,
    double IdleCpuPerSecond,
    IReadOnlyList<LoadWait> LoadWaits);

/// <summary>The markdown printed at the end of a --torrent run.</summary>
internal static class TorrentReport
{
    public static string Label(TorrentVariant v) => v switch
    {
        TorrentVariant.WebSeed => "W: aria2c, HTTP web seed only",
        TorrentVariant.Seeder => "S: aria2c, our tracker + seeder only",
        TorrentVariant.PlainHttp => "H: curl, plain HTTP GET",
        _ => v.ToString(),
    };

    private static string Short(TorrentVariant v) => v switch
    {
        TorrentVariant.WebSeed => "W",
        TorrentVariant.Seeder => "S",
        TorrentVariant.PlainHttp => "H",
        _ => v.ToString(),
    };

    public static string Markdown(TorrentReportContext context)
    {
        var c = context;
        var s = c.Subject;
        var w = new StringWriter(CultureInfo.InvariantCulture);
        var byVariant = TorrentBench.Order.ToDictionary(v => v, v => c.Measurements.Where(m => m.Variant == v).ToList());
        var blocks = (s.Size + PeerWireLimits.StandardBlockLength - 1) / PeerWireLimits.StandardBlockLength;

        w.WriteLine($"### BitTorrent benchmark{(c.Options.SeederMaxRequests is { } limit ? $", Seeding:MaxRequestsPerSecond={limit}" : "")} ({c.Options.Runs} run(s) per variant, interleaved {string.Join(",", TorrentBench.Order.Select(Short))}; medians)");
        w.WriteLine();
        w.WriteLine($"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        w.WriteLine($"- Machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        w.WriteLine($"- Server built from the working tree: {c.CodeState}; seeder and tracker at their defaults except Seeding:Port (a free port), " +
                    "Seeding:AnnounceAddress=127.0.0.1" +
                    (c.Options.SeederMaxRequests is { } max
                        ? $" and **Seeding:MaxRequestsPerSecond={max}** (not the default)"
                        : " (Seeding:MaxRequestsPerSecond at the build's default)"));
        w.WriteLine($"- Clients: {c.Aria2Version}; {c.CurlVersion}");
        w.WriteLine($"- Source: lavfi testsrc2 + sine, {c.Options.SourceWidth}x{c.Options.SourceHeight} 30 fps, {c.Options.SourceSeconds} s, " +
                    $"libx264 veryfast, {c.SourceBytes / 1e6:0.0} MB (ffmpeg {c.FfmpegVersion})");
        w.WriteLine($"- File downloaded: the {s.Resolution}p rendition (fragmented MP4), {s.Size:N0} bytes = {s.Size / 1e6:0.0} MB; " +
                    $"piece length {s.PieceLength / 1024} KiB, {s.PieceCount} pieces, {blocks:N0} blocks of 16 KiB; every download's sha256 checked " +
                    "against the server's file");
        w.WriteLine($"- aria2c flags (W and S): `{string.Join(' ', TorrentBench.Aria2Flags)} --log=<file> {string.Join(' ', TorrentBench.Aria2LogFlags)}` " +
                    "(the info log tells when the data flowed); W adds `--bt-exclude-tracker=*` " +
                    "(the torrent as served, so its url-list is the only source); S uses the torrent with url-list removed (same info-hash), " +
                    "after our tracker's scrape shows the seeder (`complete ≥ 1`). H: `curl --silent --show-error --fail --output … " +
                    "--write-out '%{speed_download} %{time_starttransfer} %{time_total}' <fileUrl>`");
        w.WriteLine("- MB = 10^6 bytes. Wall = client process start → exit (its start-up, tracker announces and the file write included). " +
                    "Transfer = when the data flowed, by the client's clock: S from the seeder's unchoke, W from the web seed's response headers, " +
                    "to aria2c's \"The download was complete.\"; H from curl's time_starttransfer to time_total. " +
                    "Server CPU = utime+stime of the server process (/proc/<pid>/stat, 10 ms ticks) over that wall time; " +
                    "client CPU = getrusage(RUSAGE_CHILDREN) delta (aria2c or curl).");
        w.WriteLine();

        w.WriteLine("| Variant | Wall (s) | MB/s over the wall time | Transfer (s) | MB/s while transferring | Client's own figure (MB/s) | Server CPU (ms) | Server CPU per MB (ms) | Client CPU (ms) | Client CPU per MB (ms) |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (variant, runs) in byVariant)
        {
            var phased = runs.Where(m => m.Phases is not null).ToList();
            w.WriteLine($"| {Label(variant)} | {Median(runs, m => m.Wall.TotalSeconds):0.000} | {Median(runs, m => m.MbPerSecond):0.0} | " +
                        $"{Median(phased, m => m.Phases!.Transfer.TotalSeconds):0.000} | {Median(phased, m => m.TransferMbPerSecond!.Value):0.0} | " +
                        $"{Median(runs.Where(m => m.ClientMbPerSecond is not null), m => m.ClientMbPerSecond!.Value):0.0} | " +
                        $"{Median(runs, m => m.ServerCpu.TotalMilliseconds):0} | {Median(runs, m => m.ServerCpuMsPerMb):0.00} | " +
                        $"{Median(runs, m => m.ClientCpu.TotalMilliseconds):0} | {Median(runs, m => m.ClientCpuMsPerMb):0.00} |");
        }

        var sRuns = byVariant[TorrentVariant.Seeder];
        var wRuns = byVariant[TorrentVariant.WebSeed];
        var hRuns = byVariant[TorrentVariant.PlainHttp];
        w.WriteLine();
        w.WriteLine("| Ratio | of medians | paired (median over runs of the ratio within each run) |");
        w.WriteLine("|---|---:|---:|");
        Ratio(w, "throughput while transferring: S / W", sRuns, wRuns, m => m.TransferMbPerSecond ?? double.NaN);
        Ratio(w, "throughput while transferring: S / H", sRuns, hRuns, m => m.TransferMbPerSecond ?? double.NaN);
        Ratio(w, "throughput over the wall time: S / W", sRuns, wRuns, m => m.MbPerSecond);
        Ratio(w, "throughput over the wall time: S / H", sRuns, hRuns, m => m.MbPerSecond);
        Ratio(w, "server CPU per MB: S / W", sRuns, wRuns, m => m.ServerCpuMsPerMb);
        Ratio(w, "server CPU per MB: S / H", sRuns, hRuns, m => m.ServerCpuMsPerMb);
        double BusyMsPerMb(Download m) => (m.ServerCpu.TotalMilliseconds - c.IdleCpuPerSecond * 1000 * m.Wall.TotalSeconds) / m.Mb;
        Ratio(w, "server CPU per MB minus the idle server's CPU over the same wall time: S / W", sRuns, wRuns, BusyMsPerMb);
        Ratio(w, "server CPU per MB minus the idle server's CPU over the same wall time: S / H", sRuns, hRuns, BusyMsPerMb);
        Ratio(w, "server CPU per MB, thread pool + socket engine only: S / W", sRuns, wRuns, WorkMsPerMb);
        Ratio(w, "server CPU per MB, thread pool + socket engine only: S / H", sRuns, hRuns, WorkMsPerMb);
        Ratio(w, "client CPU per MB: S / W (both aria2c)", sRuns, wRuns, m => m.ClientCpuMsPerMb);

        w.WriteLine();
        w.WriteLine("Where each download's wall time goes (medians; from aria2c's info log and curl's timings; \"before\" = client start → first data can flow, " +
                    "\"after\" = last byte → client exit):");
        w.WriteLine();
        w.WriteLine("| Variant | Before transfer (s) | Transfer (s) | After transfer (s) | Notes |");
        w.WriteLine("|---|---:|---:|---:|---|");
        foreach (var (variant, runs) in byVariant)
        {
            var phased = runs.Where(m => m.Phases is not null).ToList();
            var notes = new List<string>();
            if (phased.Count(m => m.Phases!.WsTrackerSkipped) is > 0 and var ws)
            {
                notes.Add($"ws:// tracker tried first and skipped in {ws}/{phased.Count}");
            }

            if (phased.Count(m => m.Phases!.MseRetried) is > 0 and var mse)
            {
                notes.Add($"encrypted (MSE) handshake refused, reconnected plain in {mse}/{phased.Count}");
            }

            if (phased.Count(m => m.Phases!.PeerReconnects > 0) is > 0 and var dropped)
            {
                notes.Add($"**connection to the seeder lost mid-transfer, aria2c reconnected after its next tracker announce, in {dropped}/{phased.Count}**");
            }

            if (phased.Count < runs.Count)
            {
                notes.Add($"phases unknown in {runs.Count - phased.Count}/{runs.Count}");
            }

            w.WriteLine($"| {Label(variant)} | {Median(phased, m => m.Phases!.Before.TotalSeconds):0.000} | {Median(phased, m => m.Phases!.Transfer.TotalSeconds):0.000} | " +
                        $"{Median(phased, m => m.Phases!.After.TotalSeconds):0.000} | {string.Join("; ", notes)} |");
        }

        w.WriteLine();
        w.WriteLine("Server CPU by thread (medians, ms; /proc/<pid>/task/*/stat by thread name):");
        w.WriteLine();
        w.WriteLine("| Variant | " + string.Join(" | ", TorrentBench.ThreadGroupOrder) + " |");
        w.WriteLine("|---|" + string.Concat(TorrentBench.ThreadGroupOrder.Select(_ => "---:|")));
        foreach (var (variant, runs) in byVariant)
        {
            w.WriteLine($"| {Label(variant)} | " + string.Join(" | ", TorrentBench.ThreadGroupOrder.Select(g =>
                Median(runs, m => m.ServerThreads.TryGetValue(g, out var t) ? t.TotalMilliseconds : 0).ToString("0", CultureInfo.InvariantCulture))) + " |");
        }

        w.WriteLine();
        w.WriteLine("Server CPU per 16 KiB sent (medians; the file is " + $"{blocks:N0} × 16 KiB): " + string.Join(", ", byVariant.Select(kv =>
            $"{Short(kv.Key)} {Median(kv.Value, m => m.ServerCpu.TotalMilliseconds) * 1000 / blocks:0.0} µs")) +
            ". The seeder sends one 16 KiB block per request it reads.");
        w.WriteLine();
        w.WriteLine($"Idle, the server used {c.IdleCpuPerSecond * 1000:0.#} ms of CPU per second (measured over {TorrentBench.IdleWindow.TotalSeconds:0} s " +
                    $"before the first counted run), i.e. about {c.IdleCpuPerSecond * Median(sRuns, m => m.Wall.TotalSeconds) * 1000:0} ms of a median S " +
                    "download; it is included in the server CPU, not subtracted.");
        w.WriteLine();
        w.WriteLine($"Warm-up ({TorrentBench.WarmUpRounds} rounds of each kind after the server started, then {TorrentBench.SettleTime.TotalSeconds:0} s of rest; not counted): " +
                    string.Join("; ", c.WarmUp.Select(m =>
                        $"{Short(m.Variant)} {m.Wall.TotalSeconds:0.00} s / {m.TransferMbPerSecond:0} MB/s / server {m.ServerCpu.TotalMilliseconds:0} ms")) + ".");
        w.WriteLine();
        w.WriteLine($"Load before each run (waited until the 1-minute load average was below {TorrentBench.LoadThreshold:0}, at most " +
                    $"{TorrentBench.FirstLoadWait.TotalMinutes:0} min before run 1 and {TorrentBench.LaterLoadWait.TotalSeconds:0} s before later runs): " +
                    string.Join("; ", c.LoadWaits.Select(l =>
                        $"run {l.Run}: {l.Before:0.00} → {l.After:0.00} after {l.Waited.TotalSeconds:0} s{(l.Quiet ? "" : " (**gave up waiting**)")}")) + ".");
        w.WriteLine();
        w.WriteLine("Every download (\"other load\": busy CPU of the whole machine minus server, client and this benchmark):");
        w.WriteLine();
        w.WriteLine("| Run | Variant | Wall (s) | MB/s over the wall | Transfer (s) | MB/s while transferring | Client's figure (MB/s) | Server CPU (ms) | Client CPU (ms) | Other load (CPU ms) | Load avg at start |");
        w.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var m in c.Measurements)
        {
            var own = m.ClientMbPerSecond is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "—";
            var transfer = m.Phases is { } p ? p.Transfer.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) : "—";
            var transferRate = m.TransferMbPerSecond is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) : "—";
            w.WriteLine($"| {m.Run} | {Label(m.Variant)} | {m.Wall.TotalSeconds:0.000} | {m.MbPerSecond:0.0} | {transfer} | {transferRate} | {own} | " +
                        $"{m.ServerCpu.TotalMilliseconds:0} | {m.ClientCpu.TotalMilliseconds:0} | {m.OthersCpu.TotalMilliseconds:0} | {m.LoadAverage:0.00} |");
        }

        return w.ToString();
    }

    private static double WorkMsPerMb(Download m) =>
        (m.ServerThreads.TryGetValue(TorrentBench.ThreadGroupOrder[0], out var t) ? t.TotalMilliseconds : double.NaN) / m.Mb;

    private static void Ratio(StringWriter w, string name, List<Download> a, List<Download> b, Func<Download, double> value)
    {
        var ofMedians = Median(a, value) / Median(b, value);
        var paired = Median(a.Join(b, x => x.Run, y => y.Run, (x, y) => value(x) / value(y)));
        w.WriteLine($"| {name} | {ofMedians:0.000} | {paired:0.000} |");
    }

    private static double Median<T>(IEnumerable<T> items, Func<T, double> value) => Median(items.Select(value));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
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
}
