using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PeerTube.Net.Bench;

/// <summary>
/// Serving benchmark (--serving): how fast the origin answers HLS requests, measured from outside with wrk, side by
/// side in one session, interleaved: nginx serving the same files from disk (2 workers, sendfile), our server before
/// (a baseline build, --baseline) and after, and nginx in front of our server with docker/nginx/peertube-net.conf.
/// Workloads: the byte ranges of the 720p rendition as the player asks for them (one per segment, the init segment
/// included, from the media playlist's EXT-X-BYTERANGE), and the 720p media playlist itself; then the same as a
/// private video, fetched with a videoFileToken as the player does.
/// </summary>
internal static partial class ServingBench
{
    /// <param name="ThroughPipeline">Requests carry an Origin header, which the fast path leaves to the whole pipeline (routing, CORS, authentication, endpoint): an ablation.</param>
    private sealed record Setup(string Name, string BaseUrl, bool Private, bool ThroughPipeline = false);

    private sealed record Workload(string Name, string LuaScript);

    private sealed record Result(string Setup, string Workload, int Connections, int Run, long Requests, long Bytes, double Seconds,
        long StatusErrors, long SocketErrors, double LoadAverage)
    {
        public double RequestsPerSecond => Requests / Seconds;

        public double GigabytesPerSecond => Bytes / Seconds / 1e9;
    }

    /// <param name="Ablation">--ablation: also "ours after" with no access cache (Streaming:AccessCacheSeconds=0) and through the whole pipeline.</param>
    internal sealed record ServingOptions(int Runs, int Seconds, IReadOnlyList<int> Connections, string? Baseline, bool Build, bool Private, bool Ablation)
    {
        public static ServingOptions Parse(string[] args)
        {
            var runs = 2;
            var seconds = 8;
            IReadOnlyList<int> connections = [16, 64];
            string? baseline = null;
            var build = true;
            var privateToo = true;
            var ablation = false;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--serving":
                        break;
                    case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is >= 1 and <= 10:
                        runs = r;
                        i++;
                        break;
                    case "--wrk-seconds" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 60:
                        seconds = s;
                        i++;
                        break;
                    case "--connections" when i + 1 < args.Length:
                        connections = args[++i].Split(',').Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 256
                            ? n : throw new ArgumentException("--connections needs a comma-separated list of integers from 1 to 256.")).ToList();
                        break;
                    case "--baseline" when i + 1 < args.Length:
                        baseline = args[++i];
                        break;
                    case "--no-build":
                        build = false;
                        break;
                    case "--public-only":
                        privateToo = false;
                        break;
                    case "--ablation":
                        ablation = true;
                        break;
                    default:
                        throw new ArgumentException($"--serving: unknown or invalid argument '{args[i]}' (--runs 1-10, --wrk-seconds 1-60, --connections 16,64, --baseline REPO, --public-only, --ablation, --no-build).");
                }
            }

            return new ServingOptions(runs, seconds, connections, baseline, build, privateToo, ablation);
        }
    }

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var options = ServingOptions.Parse(args);
        var repo = Bench.FindRepoRoot();
        var wrk = await EnsureToolAsync("wrk", "wrk", required: true, ct) ?? throw new BenchmarkFailedException("wrk is missing.");
        var nginx = await EnsureToolAsync("/usr/sbin/nginx", "nginx-light", required: false, ct);
        var codeState = await Bench.CodeStateAsync(repo, ct);
        var started = DateTime.UtcNow;
        var loadAtStart = CpuClock.LoadAverage();

        var temp = Directory.CreateTempSubdirectory("ptnet-bench-serving-");
        Bench.Progress($"work directory {temp.FullName}");
        var servers = new List<ServerUnderTest>();
        Process? nginxProcess = null;
        try
        {
            var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
            if (options.Build)
            {
                await Bench.BuildServerAsync(repo, ct);
            }

            string? baselineDll = null;
            if (options.Baseline is { } baselineRepo)
            {
                baselineDll = Path.Combine(baselineRepo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
                if (!File.Exists(baselineDll))
                {
                    throw new BenchmarkFailedException($"--baseline: {baselineDll} does not exist (build it with dotnet build src/PeerTube.Net.Server -c Release).");
                }
            }

            var source = Path.Combine(temp.FullName, "source.mp4");
            Bench.Progress("generating a 1280x720 20 s source");
            await Bench.RunToolAsync("ffmpeg", temp.FullName, Bench.SourceCommand(source, 1280, 720, 20), ct);

            var password = "bench-" + Guid.NewGuid().ToString("N");
            var environment = new Dictionary<string, string> { ["Seeding__Enabled"] = "false" };
            var storage = Directory.CreateDirectory(Path.Combine(temp.FullName, "after-storage")).FullName;
            Bench.Progress("starting the server (after) and publishing the source");
            var after = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "after.log"), ct, environment, password);
            servers.Add(after);
            var videoId = await after.UploadAsync(source, "serving bench", ct);
            await after.WaitUntilPublishedAsync(videoId, Bench.PollInterval, ct);
            using var video = await after.GetVideoAsync(videoId, ct);
            var uuid = video.RootElement.GetProperty("uuid").GetString()!;
            var file720 = video.RootElement.GetProperty("streamingPlaylists")[0].GetProperty("files").EnumerateArray()
                .FirstOrDefault(f => f.GetProperty("resolution").GetProperty("id").GetInt32() == 720);
            if (file720.ValueKind != JsonValueKind.Object)
            {
                throw new BenchmarkFailedException("The published video has no 720p rendition.");
            }

            var fileName = Path.GetFileName(new Uri(file720.GetProperty("fileUrl").GetString()!).AbsolutePath);
            var hlsDirectory = Path.Combine(storage, "streaming-playlists", "hls", uuid);
            var playlistName = Directory.GetFiles(hlsDirectory, "*-720.m3u8").Select(Path.GetFileName).Single()!;
            var ranges = Ranges(await File.ReadAllTextAsync(Path.Combine(hlsDirectory, playlistName), ct), fileName);
            var fileBytes = new FileInfo(Path.Combine(hlsDirectory, fileName)).Length;
            Bench.Progress($"720p rendition: {fileBytes / 1e6:0.0} MB, {ranges.Count} ranges (mean {ranges.Average(r => r.Length) / 1e6:0.00} MB); playlist {playlistName}");

            ServerUnderTest? before = null;
            if (baselineDll is not null)
            {
                // The baseline serves a copy of the same storage (database, keys, files): same video, same token key.
                await after.DisposeAsync();
                servers.Remove(after);
                var baselineStorage = Path.Combine(temp.FullName, "before-storage");
                await Bench.RunToolAsync("cp", temp.FullName, ["-a", storage, baselineStorage], ct);
                Bench.Progress("starting the baseline server (before) on a copy of the storage");
                before = await ServerUnderTest.StartAsync(baselineDll, baselineStorage, Path.Combine(temp.FullName, "before.log"), ct, environment, password);
                servers.Add(before);
                after = await ServerUnderTest.StartAsync(serverDll, storage, Path.Combine(temp.FullName, "after2.log"), ct, environment, password);
                servers.Add(after);
            }

            ServerUnderTest? noCache = null;
            if (options.Ablation)
            {
                var noCacheStorage = Path.Combine(temp.FullName, "nocache-storage");
                await Bench.RunToolAsync("cp", temp.FullName, ["-a", storage, noCacheStorage], ct);
                Bench.Progress("starting the ablation server (after, Streaming:AccessCacheSeconds=0) on a copy of the storage");
                noCache = await ServerUnderTest.StartAsync(serverDll, noCacheStorage, Path.Combine(temp.FullName, "nocache.log"), ct,
                    new Dictionary<string, string>(environment) { ["Streaming__AccessCacheSeconds"] = "0" }, password);
                servers.Add(noCache);
            }

            int? nginxPort = null, frontPort = null;
            if (nginx is not null)
            {
                nginxPort = FreePort();
                frontPort = FreePort();
                nginxProcess = await StartNginxAsync(nginx, repo, temp.FullName, storage, nginxPort.Value, frontPort.Value, new Uri(after.BaseUrl).Port, ct);
            }

            var setups = new List<Setup>();
            if (nginxPort is { } np)
            {
                setups.Add(new Setup("nginx (files on disk)", $"http://127.0.0.1:{np}", false));
            }

            if (before is not null)
            {
                setups.Add(new Setup("ours before (e5a369f)", before.BaseUrl, false));
            }

            setups.Add(new Setup("ours after", after.BaseUrl, false));
            if (noCache is not null)
            {
                setups.Add(new Setup("ours after, no access cache", noCache.BaseUrl, false));
                setups.Add(new Setup("ours after, whole pipeline (Origin header)", after.BaseUrl, false, ThroughPipeline: true));
            }

            if (frontPort is { } fp)
            {
                setups.Add(new Setup("nginx in front of ours after", $"http://127.0.0.1:{fp}", false));
            }

            var results = new List<Result>();
            var publicPath = $"/static/streaming-playlists/hls/{uuid}/";
            await MeasureAsync(wrk, options, setups, publicPath, "", fileName, playlistName, ranges, fileBytes, hlsDirectory, temp.FullName, results, ct);

            if (options.Private)
            {
                Bench.Progress("making the video private on every server");
                var token = "";
                foreach (var server in new[] { before, after }.OfType<ServerUnderTest>())
                {
                    await server.PutJsonAsync($"/api/v1/videos/{videoId}", """{"privacy":3}""", ct);
                    using var tokenJson = await server.PostJsonAsync($"/api/v1/videos/{videoId}/token", ct);
                    token = tokenJson.RootElement.GetProperty("files").GetProperty("token").GetString()!;
                }

                var privateSetups = setups.Where(s => !s.Name.StartsWith("nginx (", StringComparison.Ordinal) && !s.Name.StartsWith("ours after,", StringComparison.Ordinal))
                    .Select(s => s with { Private = true }).ToList();
                await MeasureAsync(wrk, options, privateSetups, $"/static/streaming-playlists/hls/private/{uuid}/", "?videoFileToken=" + token, fileName,
                    playlistName, ranges, fileBytes, hlsDirectory, temp.FullName, results, ct);
            }

            Console.WriteLine(Markdown(options, started, loadAtStart, CpuClock.LoadAverage(), codeState, ranges, fileBytes, results));
            return 0;
        }
        finally
        {
            if (nginxProcess is not null && !nginxProcess.HasExited)
            {
                nginxProcess.Kill(entireProcessTree: true);
                await nginxProcess.WaitForExitAsync(CancellationToken.None);
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            try
            {
                temp.Delete(recursive: true);
            }
            catch (IOException e)
            {
                Bench.Progress($"could not remove {temp.FullName}: {e.Message}");
            }
        }
    }

    private static async Task MeasureAsync(string wrk, ServingOptions options, IReadOnlyList<Setup> setups, string path, string query, string fileName,
        string playlistName, IReadOnlyList<(long Offset, long Length)> ranges, long fileBytes, string hlsDirectory, string temp, List<Result> results,
        CancellationToken ct)
    {
        var workloads = new[]
        {
            new Workload("byte ranges", await WriteScriptAsync(temp, $"ranges{(setups[0].Private ? "-private" : "")}.lua", path + fileName + query, ranges, ct)),
            new Workload("playlist", await WriteScriptAsync(temp, $"playlist{(setups[0].Private ? "-private" : "")}.lua", path + playlistName + query, [], ct)),
        };
        foreach (var workload in workloads)
        {
            // The same script with an Origin header, for the whole-pipeline ablation.
            var text = await File.ReadAllTextAsync(workload.LuaScript, ct);
            await File.WriteAllTextAsync(workload.LuaScript + ".origin.lua",
                text.Replace("wrk.format(\"GET\", path)", "wrk.format(\"GET\", path, { [\"Origin\"] = \"https://embed.example\" })", StringComparison.Ordinal)
                    .Replace("{ [\"Range\"] = ranges[i] }", "{ [\"Range\"] = ranges[i], [\"Origin\"] = \"https://embed.example\" }", StringComparison.Ordinal), ct);
        }

        // Every setup must answer correctly before it is timed: the same bytes as on disk.
        using var http = new HttpClient();
        var onDisk = await File.ReadAllBytesAsync(Path.Combine(hlsDirectory, fileName), ct);
        foreach (var setup in setups)
        {
            var range = ranges[ranges.Count / 2];
            using var request = new HttpRequestMessage(HttpMethod.Get, setup.BaseUrl + path + fileName + query);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(range.Offset, range.Offset + range.Length - 1);
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if (response.StatusCode != HttpStatusCode.PartialContent || !body.AsSpan().SequenceEqual(onDisk.AsSpan((int)range.Offset, (int)range.Length)))
            {
                throw new BenchmarkFailedException($"{setup.Name}: GET {path}{fileName} with a range answered {(int)response.StatusCode}, not the file's bytes.");
            }

            var playlist = await http.GetAsync(setup.BaseUrl + path + playlistName + query, ct);
            if (playlist.StatusCode != HttpStatusCode.OK)
            {
                throw new BenchmarkFailedException($"{setup.Name}: GET {path}{playlistName} answered {(int)playlist.StatusCode}.");
            }
        }

        Bench.Progress($"warm-up: 2 s of each workload on each setup{(setups[0].Private ? " (private)" : "")}");
        foreach (var setup in setups)
        {
            foreach (var workload in workloads)
            {
                await RunWrkAsync(wrk, setup, workload, 16, 2, 0, ct);
            }
        }

        for (var run = 1; run <= options.Runs; run++)
        {
            foreach (var connections in options.Connections)
            {
                foreach (var workload in workloads)
                {
                    foreach (var setup in run % 2 == 1 ? setups.AsEnumerable() : setups.AsEnumerable().Reverse())
                    {
                        var result = await RunWrkAsync(wrk, setup, workload, connections, options.Seconds, run, ct);
                        Bench.Progress($"run {run}/{options.Runs} {setup.Name}{(setup.Private ? " private" : "")}, {workload.Name}, {connections} connections: " +
                                       $"{result.RequestsPerSecond:0} req/s, {result.GigabytesPerSecond:0.00} GB/s, errors {result.StatusErrors}+{result.SocketErrors}, load {result.LoadAverage:0.0}");
                        if (result.StatusErrors > 0)
                        {
                            throw new BenchmarkFailedException($"{setup.Name}: {result.StatusErrors} answers were not 2xx/3xx.");
                        }

                        results.Add(result);
                    }
                }
            }
        }
    }

    private static async Task<Result> RunWrkAsync(string wrk, Setup setup, Workload workload, int connections, int seconds, int run, CancellationToken ct)
    {
        var load = CpuClock.LoadAverage();
        var start = new ProcessStartInfo(wrk) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var script = setup.ThroughPipeline ? workload.LuaScript + ".origin.lua" : workload.LuaScript;
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--timeout", "10s", "-s", script, setup.BaseUrl + "/" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new BenchmarkFailedException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var output = await stdout + await stderr;
        var match = ResultLine().Match(output);
        if (process.ExitCode != 0 || !match.Success)
        {
            throw new BenchmarkFailedException($"wrk against {setup.Name} failed (exit {process.ExitCode}):\n{output}");
        }

        long Group(int i) => long.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
        return new Result(setup.Name + (setup.Private ? " (private)" : ""), workload.Name, connections, run, Group(1), Group(2), Group(3) / 1e6, Group(4), Group(5), load);
    }

    /// <summary>A wrk script: each request the next range (each thread starts elsewhere), or the playlist; a parseable summary at the end.</summary>
    private static async Task<string> WriteScriptAsync(string temp, string name, string path, IReadOnlyList<(long Offset, long Length)> ranges, CancellationToken ct)
    {
        var lua = new StringBuilder();
        lua.Append(CultureInfo.InvariantCulture, $"local path = \"{path}\"\n");
        lua.Append("local ranges = {");
        lua.AppendJoin(",", ranges.Select(r => string.Create(CultureInfo.InvariantCulture, $"\"bytes={r.Offset}-{r.Offset + r.Length - 1}\"")));
        lua.Append("}\n");
        lua.Append("""
            local i = 0
            local counter = 0
            setup = function(thread) counter = counter + 1; thread:set("first", counter * 7) end
            init = function(args) i = (first or 0) end
            request = function()
              if #ranges == 0 then return wrk.format("GET", path) end
              i = i % #ranges + 1
              return wrk.format("GET", path, { ["Range"] = ranges[i] })
            end
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("RESULT %d %d %d %d %d\n", summary.requests, summary.bytes, summary.duration, e.status, e.connect + e.read + e.write + e.timeout))
            end

            """);
        var file = Path.Combine(temp, name);
        await File.WriteAllTextAsync(file, lua.ToString(), ct);
        return file;
    }

    /// <summary>The ranges hls.js asks for, in order: the init segment (EXT-X-MAP) and each EXT-X-BYTERANGE segment of the file.</summary>
    internal static List<(long Offset, long Length)> Ranges(string playlist, string fileName)
    {
        var ranges = new List<(long, long)>();
        long next = 0;
        foreach (var line in playlist.Split('\n', StringSplitOptions.TrimEntries))
        {
            var map = MapRange().Match(line);
            if (map.Success)
            {
                ranges.Add((long.Parse(map.Groups[2].Value, CultureInfo.InvariantCulture), long.Parse(map.Groups[1].Value, CultureInfo.InvariantCulture)));
                continue;
            }

            if (line.StartsWith("#EXT-X-BYTERANGE:", StringComparison.Ordinal))
            {
                var parts = line["#EXT-X-BYTERANGE:".Length..].Split('@');
                var length = long.Parse(parts[0], CultureInfo.InvariantCulture);
                var offset = parts.Length > 1 ? long.Parse(parts[1], CultureInfo.InvariantCulture) : next;
                ranges.Add((offset, length));
                next = offset + length;
            }
        }

        if (ranges.Count == 0 || !playlist.Contains(fileName, StringComparison.Ordinal))
        {
            throw new BenchmarkFailedException($"The 720p playlist names no byte ranges of {fileName}.");
        }

        return ranges;
    }

    private static async Task<Process> StartNginxAsync(string nginx, string repo, string temp, string storage, int plainPort, int frontPort, int serverPort, CancellationToken ct)
    {
        var prefix = Directory.CreateDirectory(Path.Combine(temp, "nginx")).FullName;
        var site = await File.ReadAllTextAsync(Path.Combine(repo, "docker", "nginx", "peertube-net.conf"), ct);
        foreach (var (from, to) in new[]
                 {
                     ("listen 80;", $"listen 127.0.0.1:{frontPort};"),
                     ("server server:9000;", $"server 127.0.0.1:{serverPort};"),
                     ("/var/cache/nginx/peertube-net-access", Path.Combine(prefix, "access-cache")),
                     ("alias /data/", $"alias {storage}/"),
                 })
        {
            if (!site.Contains(from, StringComparison.Ordinal))
            {
                throw new BenchmarkFailedException($"docker/nginx/peertube-net.conf no longer contains '{from}', which the benchmark replaces.");
            }

            site = site.Replace(from, to, StringComparison.Ordinal);
        }

        await File.WriteAllTextAsync(Path.Combine(prefix, "peertube-net.conf"), site, ct);
        var user = Environment.UserName == "root" ? "user root;\n" : "";
        var conf = $$"""
            {{user}}worker_processes 2;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 1024; }
            http {
                include /etc/nginx/mime.types;
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 10000;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                # The baseline: the same files, plain static serving.
                server {
                    listen 127.0.0.1:{{plainPort}};
                    location /static/streaming-playlists/hls/ {
                        alias {{storage}}/streaming-playlists/hls/;
                    }
                }
                include {{prefix}}/peertube-net.conf;
            }
            """;
        var confPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(confPath, conf, ct);
        var start = new ProcessStartInfo(nginx) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", prefix, "-c", confPath, "-e", Path.Combine(prefix, "error.log"), "-g", "daemon off;" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new BenchmarkFailedException("nginx did not start.");
        _ = process.StandardOutput.ReadToEndAsync(ct);
        _ = process.StandardError.ReadToEndAsync(ct);
        for (var i = 0; i < 50; i++)
        {
            if (process.HasExited)
            {
                throw new BenchmarkFailedException($"nginx exited with {process.ExitCode}: {File.ReadAllText(Path.Combine(prefix, "error.log"))}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, frontPort, ct);
                Bench.Progress($"nginx listening on 127.0.0.1:{plainPort} (files) and 127.0.0.1:{frontPort} (in front of ours)");
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }

        throw new BenchmarkFailedException("nginx did not listen within 5 s.");
    }

    /// <summary>The tool's path; installed with apt-get (sudo when not root) when missing, and said so.</summary>
    private static async Task<string?> EnsureToolAsync(string tool, string package, bool required, CancellationToken ct)
    {
        string? Find() => tool.StartsWith('/') ? (File.Exists(tool) ? tool : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

        if (Find() is { } found)
        {
            return found;
        }

        Bench.Progress($"{tool} is missing: installing {package} with apt-get");
        var root = Environment.UserName == "root";
        try
        {
            await Bench.RunToolAsync(root ? "apt-get" : "sudo", "/", root ? ["install", "-y", package] : ["apt-get", "install", "-y", package], ct);
        }
        catch (Exception e) when (e is BenchmarkFailedException or System.ComponentModel.Win32Exception)
        {
            if (required)
            {
                throw new BenchmarkFailedException($"{tool} is missing and apt-get install {package} failed: {e.Message}");
            }

            Bench.Progress($"could not install {package}; going on without it: {e.Message}");
        }

        return Find() ?? (required ? throw new BenchmarkFailedException($"{tool} is still missing after installing {package}.") : null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Markdown(ServingOptions options, DateTime started, double loadAtStart, double loadAtEnd, string codeState,
        IReadOnlyList<(long Offset, long Length)> ranges, long fileBytes, IReadOnlyList<Result> results)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"#### Serving session of {started:yyyy-MM-dd HH:mm} UTC ({codeState})");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Environment.ProcessorCount} CPUs, {MachineName()}; load average {loadAtStart:0.0} at the start, {loadAtEnd:0.0} at the end. " +
                                                    $"wrk -t2, {options.Seconds} s per measurement, {options.Runs} run(s) interleaved (setups in turn, reversed every other run); medians.");
        md.AppendLine(CultureInfo.InvariantCulture, $"720p rendition: {fileBytes / 1e6:0.0} MB, {ranges.Count} ranges as the player asks (mean {ranges.Average(r => r.Length) / 1e6:0.00} MB). GB/s counts what wrk read (headers included).");
        md.AppendLine();
        md.AppendLine("| Setup | Workload | Connections | req/s | GB/s | vs nginx (req/s) | load avg |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Workload, r.Connections, Private: r.Setup.EndsWith("(private)", StringComparison.Ordinal))).OrderBy(g => g.Key.Private).ThenBy(g => g.Key.Workload).ThenBy(g => g.Key.Connections))
        {
            var nginx = results.Where(r => r.Setup.StartsWith("nginx (", StringComparison.Ordinal) && r.Workload == group.Key.Workload && r.Connections == group.Key.Connections)
                .Select(r => r.RequestsPerSecond).ToList();
            var nginxMedian = nginx.Count > 0 ? Median(nginx) : (double?)null;
            foreach (var setup in group.GroupBy(r => r.Setup))
            {
                var rps = Median(setup.Select(r => r.RequestsPerSecond).ToList());
                var gbps = Median(setup.Select(r => r.GigabytesPerSecond).ToList());
                var load = Median(setup.Select(r => r.LoadAverage).ToList());
                var ratio = nginxMedian is { } n ? (rps / n).ToString("0.00", CultureInfo.InvariantCulture) : "—";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {setup.Key} | {group.Key.Workload} | {group.Key.Connections} | {rps:0} | {gbps:0.00} | {ratio} | {load:0.0} |");
            }
        }

        md.AppendLine();
        md.AppendLine("Every measurement (req/s):");
        md.AppendLine();
        foreach (var r in results)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- run {r.Run}, {r.Setup}, {r.Workload}, {r.Connections} c: {r.RequestsPerSecond:0} req/s, {r.GigabytesPerSecond:0.00} GB/s, load {r.LoadAverage:0.0}");
        }

        return md.ToString();
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    private static string MachineName()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"');
            return $"{model}, {os}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    [GeneratedRegex("""RESULT (\d+) (\d+) (\d+) (\d+) (\d+)""")]
    private static partial Regex ResultLine();

    [GeneratedRegex("^#EXT-X-MAP:.*BYTERANGE=\"(\\d+)@(\\d+)\"")]
    private static partial Regex MapRange();
}
