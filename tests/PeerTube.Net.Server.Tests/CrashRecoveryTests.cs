using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The server runs as a real process and is killed with SIGKILL in the middle of a transcode. Started again on
/// the same storage, it must finish the job: a published video, no temporary files, no orphaned ffmpeg.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncDisposable
{
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "peertube-net-crash", Guid.NewGuid().ToString("N"));
    private readonly int _port = FreePort();
    private Process? _server;

    [Fact]
    public async Task A_server_killed_mid_transcode_publishes_the_video_after_restart_with_nothing_left_over()
    {
        // mpeg4 rather than h264, so that no rendition is a cheap copy and the job takes a while.
        var source = await TestMedia.VideoAsync(854, 480, seconds: 10, codec: "mpeg4");
        _server = await StartServerAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
        await LoginAsync(http);

        using var client = new PeerTubeClient(http);
        var created = await client.UploadVideoAsync(source, "Survives a crash");
        var id = created.GetProperty("id").GetInt32();

        var ffmpeg = await WaitForTranscodingFfmpegAsync();
        Assert.NotNull(ffmpeg);
        _server.Kill(); // SIGKILL: no shutdown code runs.
        await _server.WaitForExitAsync();
        Assert.NotEmpty(Directory.EnumerateFileSystemEntries(Path.Combine(_storage, "tmp", "transcode")));

        _server = await StartServerAsync();
        await LoginAsync(http);
        var video = await client.WaitForTranscodingAsync(id);

        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        var resolutions = video.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32());
        Assert.Equal([480, 360, 240, 144, 0], resolutions);
        var hls = Path.Combine(_storage, "streaming-playlists", "hls", created.GetProperty("uuid").GetString()!);
        Assert.Single(Directory.GetFiles(hls, "*-master.m3u8"));
        // Exactly one run's output: 5 renditions × (mp4 + m3u8) + master + sha256 JSON.
        Assert.Equal(12, Directory.GetFiles(hls).Length);

        foreach (var temporary in new[] { Path.Combine(_storage, "tmp", "transcode"), Path.Combine(_storage, "tmp", "uploads"), Path.Combine(_storage, "sources") })
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(temporary));
        }

        Assert.Empty(FfmpegProcessesUnder(_storage));
    }

    private async Task<Process> StartServerAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ServerDll())!,
        };
        start.ArgumentList.Add(ServerDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{_port}");
        start.Environment["Storage__Root"] = _storage;
        start.Environment["Instance__PublicUrl"] = $"http://127.0.0.1:{_port}";
        start.Environment["PT_INITIAL_ROOT_PASSWORD"] = ServerApplication.RootPassword;
        start.Environment["Transcoding__Threads"] = "1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            Assert.False(process.HasExited, "the server process exited during start-up");
            try
            {
                var ping = await http.GetAsync($"http://127.0.0.1:{_port}/api/v1/ping", timeout.Token);
                if (ping.StatusCode == HttpStatusCode.OK)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    private static async Task LoginAsync(HttpClient http)
    {
        var token = await PeerTubeClient.RequestTokenAsync(http, "root", ServerApplication.RootPassword);
        await token.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var access = (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", access);
    }

    private async Task<int?> WaitForTranscodingFfmpegAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!timeout.IsCancellationRequested)
        {
            if (FfmpegProcessesUnder(Path.Combine(_storage, "tmp", "transcode")).FirstOrDefault() is var pid and > 0)
            {
                return pid;
            }

            await Task.Delay(25);
        }

        return null;
    }

    /// <summary>ffmpeg processes whose command line points into a folder (Linux /proc).</summary>
    private static List<int> FfmpegProcessesUnder(string folder) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                    return cmdline.Contains("ffmpeg") && cmdline.Contains(folder);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .ToList();

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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        foreach (var pid in FfmpegProcessesUnder(_storage))
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
            Directory.Delete(_storage, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
