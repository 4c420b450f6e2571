using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace PeerTube.Net.Server.Tests.Infrastructure;

/// <summary>
/// The server as a real process on a loopback port, for what an in-memory server cannot do: being killed, or
/// being reached by other programs (BitTorrent clients, PeerTube's CLI).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private Process? _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    public ServerProcess(IReadOnlyDictionary<string, string>? settings = null)
    {
        StorageRoot = Path.Combine(Path.GetTempPath(), "peertube-net-process", Guid.NewGuid().ToString("N"));
        Port = FreePort();
        _settings = settings ?? new Dictionary<string, string>();
    }

    public string StorageRoot { get; }
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public string StoragePath(params string[] parts) => Path.Combine([StorageRoot, .. parts]);

    /// <summary>Starts (or starts again, on the same storage, perhaps with other settings) and waits until it answers.</summary>
    public async Task StartAsync(IReadOnlyDictionary<string, string>? overrides = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ServerDll())!,
        };
        start.ArgumentList.Add(ServerDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUrl);
        start.Environment["Storage__Root"] = StorageRoot;
        start.Environment["Instance__PublicUrl"] = BaseUrl;
        start.Environment["PT_INITIAL_ROOT_PASSWORD"] = ServerApplication.RootPassword;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Live__Rtmp__Port"] = "0";
        start.Environment["Live__Rtmp__ListenOnAllInterfaces"] = "false";
        foreach (var (key, value) in _settings.Concat(overrides ?? new Dictionary<string, string>()))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        // Generous: a loaded machine starts a process slowly, and a healthy one answers in seconds anyway.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            Assert.False(_process.HasExited, "the server process exited during start-up");
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/api/v1/ping", timeout.Token)).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>The last few hundred lines the process wrote (warnings and errors), to explain a failed test.</summary>
    public string RecentLog => string.Join('\n', _log);

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 400 && _log.TryDequeue(out _))
        {
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public Task<PeerTubeClient> LoginAsRootAsync() => LoginAsync("root", ServerApplication.RootPassword);

    public async Task<PeerTubeClient> LoginAsync(string username, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var token = await PeerTubeClient.RequestTokenAsync(http, username, password);
        await token.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var access = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", access);
        return new PeerTubeClient(http);
    }

    /// <summary>ffmpeg processes whose command line points into a folder (Linux /proc).</summary>
    public static List<int> FfmpegProcessesUnder(string folder) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && CommandLine(pid) is { } cmdline && cmdline.Contains("ffmpeg") && cmdline.Contains(folder))
            .ToList();

    private static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string ServerDll()
    {
        var directory = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = directory.Parent!.Name; // .../bin/<Configuration>/net10.0
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PeerTube.Net.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var dll = Path.Combine(directory.FullName, "src", "PeerTube.Net.Server", "bin", configuration, "net10.0", "PeerTube.Net.Server.dll");
        Assert.True(File.Exists(dll), $"the server must be built: {dll}");
        return dll;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        foreach (var pid in FfmpegProcessesUnder(StorageRoot))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(StorageRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
