using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Torrents;

namespace PeerTube.Net.Bench;

/// <summary>How one file is fetched from the server under test.</summary>
internal enum TorrentVariant
{
    /// <summary>W: aria2c with the server's own torrent and every tracker excluded, so the HTTP web seed (url-list) is its only source.</summary>
    WebSeed,

    /// <summary>S: aria2c with the torrent's url-list stripped, so our tracker and our seeder are its only source.</summary>
    Seeder,

    /// <summary>H: curl, a plain HTTP GET of the file's URL (what the web seed serves), no BitTorrent at all.</summary>
    PlainHttp,
}

/// <summary>One measured download.</summary>
/// <param name="Wall">From the client's start to its exit: includes its start-up, the tracker announces (S) and writing the file.</param>
/// <param name="ServerCpu">utime+stime of the server process over <paramref name="Wall"/>, from /proc/&lt;pid&gt;/stat (10 ms ticks).</param>
/// <param name="ClientCpu">getrusage(RUSAGE_CHILDREN) delta: the aria2c or curl process.</param>
/// <param name="ClientBytesPerSecond">The client's own figure: aria2c's "avg speed" in its download result, curl's %{speed_download}.</param>
/// <param name="OthersCpu">Busy CPU of the whole machine minus server, client and this benchmark: other load.</param>
/// <param name="LoadAverage">1-minute load average when the download started.</param>
internal sealed record Download(
    TorrentVariant Variant, int Run, TimeSpan Wall, TimeSpan ServerCpu, TimeSpan ClientCpu, long Bytes, double? ClientBytesPerSecond,
    TimeSpan OthersCpu, double LoadAverage, TimeSpan BenchCpu)
{
    /// <summary>
    /// When the data flowed, from the client's own clock: aria2c's info log (S: the seeder's unchoke → "The download was
    /// complete."; W: the web seed's HTTP response headers → the same line), curl's time_starttransfer → time_total.
    /// </summary>
    public ClientPhases? Phases { get; init; }

    /// <summary>Server CPU by thread name (/proc/&lt;pid&gt;/task/*/stat), grouped; threads that ended during the download are in "other".</summary>
    public IReadOnlyDictionary<string, TimeSpan> ServerThreads { get; init; } = new Dictionary<string, TimeSpan>();

    public double Mb => Bytes / 1e6;

    public double MbPerSecond => Mb / Wall.TotalSeconds;

    public double? TransferMbPerSecond => Phases is { } p ? Mb / p.Transfer.TotalSeconds : null;

    public double? ClientMbPerSecond => ClientBytesPerSecond / 1e6;

    public double ServerCpuMsPerMb => ServerCpu.TotalMilliseconds / Mb;

    public double ClientCpuMsPerMb => ClientCpu.TotalMilliseconds / Mb;
}

/// <summary>A download's wall time in three parts, from the client's own log or timings.</summary>
/// <param name="Before">Client start → first data can flow (start-up, tracker, peer connection and handshakes; HTTP request).</param>
/// <param name="Transfer">The data transfer itself.</param>
/// <param name="After">Last byte → client exit (completion announce, the file closed, process exit).</param>
/// <param name="MseRetried">aria2c's encrypted (MSE) handshake was refused and it reconnected with the plain BitTorrent handshake.</param>
/// <param name="WsTrackerSkipped">aria2c tried the torrent's ws:// (WebTorrent) tracker first and gave up on it ("ws is not supported").</param>
/// <param name="PeerReconnects">BitTorrent handshakes aria2c sent after the first one: the connection to the seeder was lost mid-transfer.</param>
internal sealed record ClientPhases(TimeSpan Before, TimeSpan Transfer, TimeSpan After, bool MseRetried, bool WsTrackerSkipped, int PeerReconnects);

/// <summary>The file every variant downloads: the top rendition of one published video.</summary>
internal sealed record TorrentSubject(
    int VideoId, int Resolution, string FileUrl, string InfoHashHex, long Size, string Sha256, string ServerFile,
    int PieceLength, int PieceCount, string WebSeedTorrentPath, string SeederTorrentPath, string WebSeed);

internal static partial class TorrentBench
{
    public const double LoadThreshold = 3.0;
    public static readonly TimeSpan FirstLoadWait = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan LaterLoadWait = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(20);
    public const int WarmUpRounds = 5;
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The order within each run: the two HTTP variants either side of the seeder.</summary>
    public static readonly TorrentVariant[] Order = [TorrentVariant.WebSeed, TorrentVariant.Seeder, TorrentVariant.PlainHttp];

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var repo = Bench.FindRepoRoot();
        var tools = new FfmpegTools();
        var capabilities = await FfmpegTools.DetectAsync(tools, ct);
        var runner = new FfmpegRunner(tools);
        var aria2Version = await ToolVersionAsync("aria2c", ct);
        var curlVersion = await ToolVersionAsync("curl", ct);

        var temp = Directory.CreateTempSubdirectory("ptnet-bench-torrent-");
        Bench.Progress($"work directory {temp.FullName}");
        ServerUnderTest? server = null;
        try
        {
            var source = Path.Combine(temp.FullName, "source.mp4");
            Bench.Progress($"generating a {options.SourceWidth}x{options.SourceHeight} {options.SourceSeconds} s source");
            await runner.RunAsync(Bench.SourceCommand(source, options.SourceWidth, options.SourceHeight, options.SourceSeconds), TimeSpan.Zero, null, null, ct);
            var sourceBytes = new FileInfo(source).Length;

            var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
            var codeState = await Bench.CodeStateAsync(repo, ct);
            if (options.Build)
            {
                await Bench.BuildServerAsync(repo, ct);
            }
            else if (!File.Exists(serverDll))
            {
                throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
            }

            var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "server-storage")).FullName;
            var seederPort = FreePort();
            Bench.Progress($"starting the server (seeder on TCP port {seederPort})");
            var settings = new Dictionary<string, string>
            {
                ["Seeding__Port"] = seederPort.ToString(CultureInfo.InvariantCulture),
                ["Seeding__AnnounceAddress"] = "127.0.0.1",
            };
            if (options.SeederMaxRequests is { } maxRequests)
            {
                settings["Seeding__MaxRequestsPerSecond"] = maxRequests.ToString(CultureInfo.InvariantCulture);
            }

            server = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "server.log"), ct, settings);

            Bench.Progress("uploading the source and waiting until it is published");
            var videoId = await server.UploadAsync(source, "torrent bench", ct);
            await server.WaitUntilPublishedAsync(videoId, Bench.PollInterval, ct);
            var subject = await SubjectAsync(server, videoId, storage, temp.FullName, ct);
            Bench.Progress($"file: {subject.Resolution}p, {subject.Size / 1e6:0.0} MB, piece length {subject.PieceLength / 1024} KiB " +
                           $"({subject.PieceCount} pieces), info-hash {subject.InfoHashHex}");

            await WaitForSeederAsync(server, subject, TimeSpan.FromMinutes(2), ct);
            Bench.Progress("the seeder is in our tracker's swarm");

            // Uncounted rounds of each kind: aria2c's and curl's first start, and the server's first peer connections
            // and file responses (JIT, then tier-1 recompilation) are paid here. Code run once per download (accept,
            // handshake, tracker announce) only reaches tier 1 after some 30 downloads, so a little tiered JIT remains
            // in the counted runs; the report shows it apart. Reported separately.
            var downloads = Directory.CreateDirectory(Path.Combine(temp.FullName, "downloads")).FullName;
            var warmUp = new List<Download>();
            for (var round = 1; round <= WarmUpRounds; round++)
            {
                foreach (var variant in Order)
                {
                    warmUp.Add(Log(await MeasureAsync(server, subject, variant, 0, downloads, ct), options.Runs));
                }
            }

            // Tiered JIT keeps recompiling hot methods for a few seconds after use; then see what the idle server costs.
            await Task.Delay(SettleTime, ct);
            var idleBefore = CpuClock.ProcessTreeCpu(server.Pid).Self;
            await Task.Delay(IdleWindow, ct);
            var idleCpuPerSecond = (CpuClock.ProcessTreeCpu(server.Pid).Self - idleBefore).TotalSeconds / IdleWindow.TotalSeconds;
            Bench.Progress($"server pid {server.Pid}, idle CPU {idleCpuPerSecond * 1000:0.#} ms/s");

            var loadWaits = new List<LoadWait>();
            var measurements = new List<Download>();
            for (var run = 1; run <= options.Runs; run++)
            {
                loadWaits.Add(await WaitForQuietAsync(run, run == 1 ? FirstLoadWait : LaterLoadWait, ct));
                foreach (var variant in Order)
                {
                    measurements.Add(Log(await MeasureAsync(server, subject, variant, run, downloads, ct), options.Runs));
                }
            }

            Console.WriteLine(TorrentReport.Markdown(new TorrentReportContext(
                options, capabilities.Version, aria2Version, curlVersion, codeState, sourceBytes, subject, measurements, warmUp,
                idleCpuPerSecond, loadWaits)));
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            temp.Delete(recursive: true);
            Bench.Progress("temporary files deleted");
        }
    }

    /// <summary>The top rendition: its URLs, its torrent (as served and with url-list stripped), its hash on the server's disk.</summary>
    private static async Task<TorrentSubject> SubjectAsync(ServerUnderTest server, int videoId, string storage, string temp, CancellationToken ct)
    {
        using var video = await server.GetVideoAsync(videoId, ct);
        var root = video.RootElement;
        var uuid = root.GetProperty("uuid").GetString()!;
        var file = root.GetProperty("files").EnumerateArray()
            .Where(f => f.GetProperty("torrentUrl").ValueKind == JsonValueKind.String)
            .MaxBy(f => f.GetProperty("resolution").GetProperty("id").GetInt32());
        if (file.ValueKind != JsonValueKind.Object)
        {
            throw new BenchmarkFailedException($"Video {videoId} has no file with a torrent.");
        }

        var fileUrl = file.GetProperty("fileUrl").GetString()!;
        var size = file.GetProperty("size").GetInt64();
        var infoHash = file.GetProperty("infoHash").GetString()!;
        var serverFile = Path.Combine(storage, "streaming-playlists", "hls", uuid, Path.GetFileName(new Uri(fileUrl).AbsolutePath));
        if (!File.Exists(serverFile) || new FileInfo(serverFile).Length != size)
        {
            throw new BenchmarkFailedException($"{serverFile} is missing or does not have the API's size {size}.");
        }

        var torrent = await server.GetBytesAsync(file.GetProperty("torrentUrl").GetString()!, ct);
        var metainfo = (BDictionary)Bencode.Decode(torrent);
        if (metainfo["url-list"] is not BList { Count: > 0 } webSeeds)
        {
            throw new BenchmarkFailedException("The torrent has no url-list: variant W has nothing to download from.");
        }

        var info = (BDictionary)metainfo["info"]!;
        var pieceLength = checked((int)((BInteger)info["piece length"]!).Value);
        var pieceCount = ((BString)info["pieces"]!).Length / 20;
        // url-list sits outside the info dictionary, so the info-hash (and thus the swarm) is unchanged.
        var stripped = new BDictionary(metainfo.Entries.Where(e => e.Key != "url-list").ToDictionary(e => e.Key, e => e.Value));
        var strippedBytes = Bencode.Encode(stripped);
        var checkedHash = Convert.ToHexStringLower(SHA1.HashData(Bencode.Encode(info)));
        if (!string.Equals(checkedHash, infoHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new BenchmarkFailedException($"The torrent's info-hash {checkedHash} is not the API's {infoHash}.");
        }

        var webSeedPath = Path.Combine(temp, "webseed.torrent");
        var seederPath = Path.Combine(temp, "seeder-only.torrent");
        await File.WriteAllBytesAsync(webSeedPath, torrent, ct);
        await File.WriteAllBytesAsync(seederPath, strippedBytes, ct);
        return new TorrentSubject(videoId, file.GetProperty("resolution").GetProperty("id").GetInt32(), fileUrl, infoHash.ToLowerInvariant(), size,
            await Sha256Async(serverFile, ct), serverFile, pieceLength, pieceCount, webSeedPath, seederPath, ((BString)webSeeds[0]).Text);
    }

    /// <summary>Until our tracker's scrape says the torrent has a complete peer: the seeder has announced itself.</summary>
    private static async Task WaitForSeederAsync(ServerUnderTest server, TorrentSubject subject, TimeSpan limit, CancellationToken ct)
    {
        var encoded = string.Concat(Convert.FromHexString(subject.InfoHashHex).Select(b => $"%{b:X2}"));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var scrape = (BDictionary)Bencode.Decode(await server.GetBytesAsync($"/tracker/scrape?info_hash={encoded}", ct));
            if (scrape["failure reason"] is BString failure)
            {
                throw new BenchmarkFailedException($"Tracker scrape failed: {failure.Text}");
            }

            if (scrape["files"] is BDictionary files && files.Entries.Values.FirstOrDefault() is BDictionary stats
                && stats["complete"] is BInteger { Value: >= 1 })
            {
                return;
            }

            if (deadline.Elapsed > limit)
            {
                throw new BenchmarkFailedException($"The seeder did not appear in our tracker's swarm within {limit.TotalSeconds:0} s.");
            }

            // Slowly: the tracker allows 120 requests per IP per minute, and aria2c's announces come from the same IP.
            await Task.Delay(1000, ct);
        }
    }

    private static async Task<Download> MeasureAsync(ServerUnderTest server, TorrentSubject subject, TorrentVariant variant, int run,
        string downloads, CancellationToken ct)
    {
        var directory = Path.Combine(downloads, $"{variant}-{run}");
        Directory.CreateDirectory(directory);
        if (variant == TorrentVariant.Seeder)
        {
            // Not timed: normally answered by the first scrape.
            await WaitForSeederAsync(server, subject, TimeSpan.FromMinutes(2), ct);
        }

        var log = Path.Combine(downloads, $"aria2c-{variant}-{run}.log");
        File.Delete(log);
        var (program, arguments) = Command(subject, variant, directory, log);
        var load = CpuClock.LoadAverage();
        var background = Background.Now();
        var threadsBefore = ThreadCpu(server.Pid);
        var serverBefore = CpuClock.ProcessTreeCpu(server.Pid).Self;
        var clientBefore = CpuClock.ChildrenCpu();
        var started = DateTime.Now;
        var wall = Stopwatch.StartNew();
        var (exitCode, stdout, stderr) = await RunAsync(program, arguments, ct);
        wall.Stop();
        var serverCpu = CpuClock.ProcessTreeCpu(server.Pid).Self - serverBefore;
        var clientCpu = CpuClock.ChildrenCpu() - clientBefore;
        var threads = ThreadGroups(threadsBefore, ThreadCpu(server.Pid), serverCpu);
        var (others, benchCpu) = background.Since(serverCpu + clientCpu);

        if (exitCode != 0)
        {
            throw new BenchmarkFailedException($"{variant} run {run}: {program} exited with {exitCode}.\n{stdout}\n{stderr}");
        }

        var downloaded = Directory.GetFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".aria2", StringComparison.Ordinal)).ToList();
        if (downloaded.Count != 1)
        {
            throw new BenchmarkFailedException($"{variant} run {run}: expected one downloaded file, found [{string.Join(", ", downloaded)}].");
        }

        var bytes = new FileInfo(downloaded[0]).Length;
        var sha256 = await Sha256Async(downloaded[0], ct);
        if (bytes != subject.Size || sha256 != subject.Sha256)
        {
            throw new BenchmarkFailedException(
                $"{variant} run {run}: the download ({bytes} bytes, sha256 {sha256}) is not the server's file ({subject.Size} bytes, sha256 {subject.Sha256}).");
        }

        Directory.Delete(directory, recursive: true);
        var phases = variant == TorrentVariant.PlainHttp
            ? CurlPhases(stdout, wall.Elapsed)
            : Aria2Phases(log, variant, started, started + wall.Elapsed);
        File.Delete(log);
        if (phases is null)
        {
            Bench.Progress($"warning: {variant} run {run}: could not tell when the data flowed from the client's output");
        }

        return new Download(variant, run, wall.Elapsed, serverCpu, clientCpu, bytes, ClientSpeed(variant, stdout), others, load, benchCpu)
        {
            Phases = phases,
            ServerThreads = threads,
        };
    }

    /// <summary>aria2c's flags are the same for W and S; only the torrent (and the tracker exclusion for W) differ.</summary>
    public static readonly string[] Aria2Flags =
    [
        "--seed-time=0", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
        "--file-allocation=none", "--summary-interval=0", "--console-log-level=warn", "--no-conf=true", "--allow-overwrite=true",
    ];

    /// <summary>aria2c's info log is how the benchmark tells when the data flowed; it costs aria2c a few ms of CPU (a line per block).</summary>
    public static readonly string[] Aria2LogFlags = ["--log-level=info"];

    private static (string Program, List<string> Arguments) Command(TorrentSubject subject, TorrentVariant variant, string directory, string log) => variant switch
    {
        TorrentVariant.WebSeed => ("aria2c", ["--dir=" + directory, .. Aria2Flags, "--log=" + log, .. Aria2LogFlags, "--bt-exclude-tracker=*", subject.WebSeedTorrentPath]),
        TorrentVariant.Seeder => ("aria2c", ["--dir=" + directory, .. Aria2Flags, "--log=" + log, .. Aria2LogFlags, subject.SeederTorrentPath]),
        TorrentVariant.PlainHttp => ("curl",
        [
            "--silent", "--show-error", "--fail", "--output", Path.Combine(directory, Path.GetFileName(new Uri(subject.FileUrl).AbsolutePath)),
            "--write-out", "%{speed_download} %{time_starttransfer} %{time_total}", subject.FileUrl,
        ]),
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>aria2c log lines: "2026-11-23 08:21:05.377388 [INFO] [DefaultBtInteractive.cc:315] CUID#15 - From: 127.0.0.1:46459 unchoke".</summary>
    [GeneratedRegex(@"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) \[\w+\] \[[^\]]*\] (.*)$")]
    private static partial Regex Aria2LogLine();

    private static ClientPhases? Aria2Phases(string log, TorrentVariant variant, DateTime started, DateTime exited)
    {
        if (!File.Exists(log))
        {
            return null;
        }

        DateTime? first = null, complete = null;
        var mse = false;
        var ws = false;
        var handshakes = 0;
        foreach (var line in File.ReadLines(log))
        {
            mse |= line.Contains("Retry using legacy BitTorrent handshake", StringComparison.Ordinal);
            ws |= line.Contains("ws is not supported", StringComparison.Ordinal);
            handshakes += line.Contains(" - To: ", StringComparison.Ordinal) && line.Contains(" handshake peerId=", StringComparison.Ordinal) ? 1 : 0;
            var match = Aria2LogLine().Match(line);
            if (!match.Success)
            {
                continue;
            }

            var text = match.Groups[2].Value;
            var at = DateTime.ParseExact(match.Groups[1].Value, "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            if (first is null)
            {
                // S: the seeder unchokes us, and requests can go out. W: the web seed's response headers are in.
                var start = variant == TorrentVariant.Seeder
                    ? text.Contains(" - From: ", StringComparison.Ordinal) && text.EndsWith(" unchoke", StringComparison.Ordinal)
                    : text.Contains("Response received:", StringComparison.Ordinal);
                if (start)
                {
                    first = at;
                }
            }
            else if (complete is null && text.StartsWith("The download was complete.", StringComparison.Ordinal))
            {
                // (S's tracker answer is a small download of its own that also "completes", but before the unchoke.)
                complete = at;
            }
        }

        if (first is not { } from || complete is not { } to || from < started.AddSeconds(-1) || to > exited.AddSeconds(1) || to < from)
        {
            return null;
        }

        return new ClientPhases(Clamp(from - started), to - from, Clamp(exited - to), mse, ws, Math.Max(0, handshakes - 1));
    }

    private static TimeSpan Clamp(TimeSpan t) => t < TimeSpan.Zero ? TimeSpan.Zero : t;

    /// <summary>curl's --write-out: speed_download time_starttransfer time_total (seconds, from its own start).</summary>
    private static ClientPhases? CurlPhases(string stdout, TimeSpan wall)
    {
        var parts = stdout.Trim().Split(' ');
        if (parts.Length != 3
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var firstByte)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var total)
            || total < firstByte)
        {
            return null;
        }

        return new ClientPhases(TimeSpan.FromSeconds(firstByte), TimeSpan.FromSeconds(total - firstByte), Clamp(wall - TimeSpan.FromSeconds(total)), false, false, 0);
    }

    /// <summary>CPU of each server thread: tid → (name, utime+stime).</summary>
    private static Dictionary<int, (string Name, TimeSpan Cpu)> ThreadCpu(int pid)
    {
        var result = new Dictionary<int, (string, TimeSpan)>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                result[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    (stat[(open + 1)..close], TimeSpan.FromSeconds((double)ticks / CpuClock.ClockTicksPerSecond));
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                // The thread ended meanwhile.
            }
        }

        return result;
    }

    /// <summary>What the server's threads are, by name (the kernel keeps 15 characters of it).</summary>
    public static string ThreadGroup(string name) => name.Trim() switch
    {
        ".NET TP Worker" or ".NET Sockets" or ".NET TP Gate" or ".NET TP Wait" or ".NET IO Complet" => "thread pool + socket engine (the work)",
        ".NET Server GC" or ".NET BGC" or ".NET Finalizer" => "GC",
        ".NET Tiered Com" => "tiered JIT",
        _ => "other threads (timers, Hangfire, logging; ended threads)",
    };

    public static readonly string[] ThreadGroupOrder =
    [
        "thread pool + socket engine (the work)", "GC", "tiered JIT", "other threads (timers, Hangfire, logging; ended threads)",
    ];

    private static Dictionary<string, TimeSpan> ThreadGroups(
        Dictionary<int, (string Name, TimeSpan Cpu)> before, Dictionary<int, (string Name, TimeSpan Cpu)> after, TimeSpan processTotal)
    {
        var groups = ThreadGroupOrder.ToDictionary(g => g, _ => TimeSpan.Zero);
        foreach (var (tid, (name, cpu)) in after)
        {
            var delta = before.TryGetValue(tid, out var b) ? cpu - b.Cpu : cpu;
            groups[ThreadGroup(name)] += delta;
        }

        // Threads that ended during the download are only in the process's total.
        var counted = groups.Values.Aggregate(TimeSpan.Zero, (x, y) => x + y);
        if (processTotal > counted)
        {
            groups[ThreadGroupOrder[^1]] += processTotal - counted;
        }

        return groups;
    }

    /// <summary>aria2c's download result line, e.g. "2089b0|OK  |    64MiB/s|/tmp/…".</summary>
    [GeneratedRegex(@"^\s*[0-9a-f]+\|OK\s*\|\s*([0-9.]+)(B|KiB|MiB|GiB)/s\|", RegexOptions.Multiline)]
    private static partial Regex Aria2Result();

    private static double? ClientSpeed(TorrentVariant variant, string stdout)
    {
        if (variant == TorrentVariant.PlainHttp)
        {
            return double.TryParse(stdout.Trim().Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var curl) ? curl : null;
        }

        var match = Aria2Result().Match(stdout);
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return null;
        }

        return value * match.Groups[2].Value switch
        {
            "KiB" => 1024d,
            "MiB" => 1024d * 1024,
            "GiB" => 1024d * 1024 * 1024,
            _ => 1d,
        };
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, List<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new BenchmarkFailedException($"{program} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ClientTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            throw new BenchmarkFailedException($"{program} did not finish within {ClientTimeout.TotalMinutes:0} minutes.");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Waits, up to <paramref name="limit"/>, until the 1-minute load average is below <see cref="LoadThreshold"/>.</summary>
    private static async Task<LoadWait> WaitForQuietAsync(int run, TimeSpan limit, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        var before = CpuClock.LoadAverage();
        var announced = false;
        while (CpuClock.LoadAverage() >= LoadThreshold && waited.Elapsed < limit)
        {
            if (!announced)
            {
                Bench.Progress($"load average {before:0.00} ≥ {LoadThreshold:0}: waiting up to {limit.TotalSeconds:0} s for it to drop");
                announced = true;
            }

            await Task.Delay(TimeSpan.FromSeconds(5), ct);
        }

        var after = CpuClock.LoadAverage();
        return new LoadWait(run, before, after, waited.Elapsed, after < LoadThreshold);
    }

    private static async Task<string> ToolVersionAsync(string program, CancellationToken ct)
    {
        try
        {
            var (exitCode, stdout, _) = await RunAsync(program, ["--version"], ct);
            return exitCode == 0 ? stdout.Split('\n')[0].Trim() : $"{program} (version unknown)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new BenchmarkFailedException($"{program} is not installed (apt-get install -y {(program == "aria2c" ? "aria2" : program)}).");
        }
    }

    private static async Task<string> Sha256Async(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Download Log(Download d, int runs)
    {
        var which = d.Run == 0 ? "warm-up" : $"run {d.Run}/{runs}";
        var phases = d.Phases is { } p
            ? $"before/transfer/after {p.Before.TotalSeconds:0.000}/{p.Transfer.TotalSeconds:0.000}/{p.After.TotalSeconds:0.000} s" +
              $"{(p.MseRetried ? " (MSE retry)" : "")}{(p.PeerReconnects > 0 ? $" ({p.PeerReconnects} reconnect(s) to the seeder mid-transfer)" : "")}, "
            : "";
        Bench.Progress($"{which} {TorrentReport.Label(d.Variant)}: wall {d.Wall.TotalSeconds:0.000} s, {d.MbPerSecond:0.0} MB/s, {phases}" +
                       $"{d.TransferMbPerSecond:0.0} MB/s while transferring (client says {d.ClientMbPerSecond:0.0}), server CPU {d.ServerCpu.TotalSeconds:0.00} s, client CPU {d.ClientCpu.TotalSeconds:0.00} s; " +
                       $"other load {d.OthersCpu.TotalSeconds:0.0} s CPU, load avg {d.LoadAverage:0.00}");
        return d;
    }
}

/// <summary>The wait for a quiet machine before a run.</summary>
internal sealed record LoadWait(int Run, double Before, double After, TimeSpan Waited, bool Quiet);
