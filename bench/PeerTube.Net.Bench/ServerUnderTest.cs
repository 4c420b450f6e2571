using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace PeerTube.Net.Bench;

/// <summary>The real server, started as a separate process and driven through PeerTube's REST API.</summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private const int StatePublished = 1;
    private const int StateFailed = 7;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _pumps;
    private readonly HttpClient _http;
    private readonly string _password;
    private int _channelId;

    private ServerUnderTest(Process process, StreamWriter log, Task pumps, HttpClient http, string password)
    {
        _process = process;
        _log = log;
        _pumps = pumps;
        _http = http;
        _password = password;
    }

    public int Pid => _process.Id;

    /// <summary>http://127.0.0.1:{port}, the server's address (and its Instance:PublicUrl).</summary>
    public string BaseUrl => _http.BaseAddress!.ToString().TrimEnd('/');

    /// <param name="environment">More settings for the server (for example Seeding__Port), as environment variables.</param>
    /// <param name="password">root's password; give the first one when starting a server on storage another already created.</param>
    public static async Task<ServerUnderTest> StartAsync(string serverDll, string storageRoot, string logPath, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null, string? password = null)
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        password ??= "bench-" + Guid.NewGuid().ToString("N");

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(serverDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(url);
        start.Environment["PT_INITIAL_ROOT_PASSWORD"] = password;
        start.Environment["Storage__Root"] = storageRoot;
        start.Environment["Instance__PublicUrl"] = url;
        // The shipped defaults, spelled out so the benchmark says what it measured.
        start.Environment["Transcoding__Profile"] = "default.json";
        start.Environment["Transcoding__Concurrency"] = "1";
        start.Environment["Transcoding__Threads"] = "0";
        // Several servers run side by side in a bench: none takes the default RTMP port (1935).
        start.Environment["Live__Rtmp__Port"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The server process did not start.");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, log), PumpAsync(process.StandardError, log));
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(10) };
        var server = new ServerUnderTest(process, log, pumps, http, password);
        try
        {
            await server.WaitUntilUpAsync(logPath, ct);
            await server.LoginAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Uploads the file and returns once the server has answered (the clock of variant (a) starts here).</summary>
    public async Task<int> UploadAsync(string path, string name, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        await using var file = File.OpenRead(path);
        var fileContent = new StreamContent(file);
        fileContent.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(fileContent, "videofile", Path.GetFileName(path));
        form.Add(new StringContent(name), "name");
        form.Add(new StringContent(_channelId.ToString(CultureInfo.InvariantCulture)), "channelId");

        using var response = await _http.PostAsync("/api/v1/videos/upload", form, ct);
        var body = await ExpectJsonAsync(response, "upload", ct);
        return body.RootElement.GetProperty("video").GetProperty("id").GetInt32();
    }

    /// <summary>Polls the video until it is published; throws if the server says the transcoding failed.</summary>
    public async Task<PublishedVideo> WaitUntilPublishedAsync(int videoId, TimeSpan pollInterval, CancellationToken ct)
    {
        var path = $"/api/v1/videos/{videoId.ToString(CultureInfo.InvariantCulture)}";
        while (true)
        {
            using var response = await _http.GetAsync(path, ct);
            using var body = await ExpectJsonAsync(response, "video", ct);
            var root = body.RootElement;
            var state = root.GetProperty("state").GetProperty("id").GetInt32();
            if (state == StatePublished)
            {
                var files = root.GetProperty("streamingPlaylists")[0].GetProperty("files").EnumerateArray().ToList();
                var sizes = files.Sum(f => f.GetProperty("size").GetInt64());
                var resolutions = files.Select(f => f.GetProperty("resolution").GetProperty("id").GetInt32()).ToList();
                return new PublishedVideo(resolutions, sizes);
            }

            if (state == StateFailed)
            {
                var reason = root.TryGetProperty("failureReason", out var r) ? r.ToString() : "(no reason given)";
                throw new BenchmarkFailedException($"The server reports that transcoding video {videoId} failed: {reason}");
            }

            if (_process.HasExited)
            {
                throw new BenchmarkFailedException($"The server exited with code {_process.ExitCode} while transcoding.");
            }

            await Task.Delay(pollInterval, ct);
        }
    }

    /// <summary>GET /api/v1/videos/{id}, as JSON.</summary>
    public async Task<JsonDocument> GetVideoAsync(int videoId, CancellationToken ct)
    {
        using var response = await _http.GetAsync($"/api/v1/videos/{videoId.ToString(CultureInfo.InvariantCulture)}", ct);
        return await ExpectJsonAsync(response, "video", ct);
    }

    /// <summary>GET of an API path as root, as JSON; anything but 200 fails the benchmark.</summary>
    public async Task<JsonDocument> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await _http.GetAsync(path, ct);
        return await ExpectJsonAsync(response, path, ct);
    }

    /// <summary>GET of any URL on the server (absolute or relative), as bytes; anything but 200 fails the benchmark.</summary>
    public async Task<byte[]> GetBytesAsync(string url, CancellationToken ct)
    {
        using var response = await _http.GetAsync(url, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchmarkFailedException($"GET {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    /// <summary>PUT of a JSON body as root; anything but 2xx fails the benchmark.</summary>
    public async Task PutJsonAsync(string path, string json, CancellationToken ct)
    {
        using var response = await _http.PutAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchmarkFailedException($"PUT {path}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>root's first channel.</summary>
    public int ChannelId => _channelId;

    /// <summary>POST of a JSON body as root, as JSON; anything but 2xx fails the benchmark.</summary>
    public async Task<JsonDocument> PostJsonAsync(string path, string json, CancellationToken ct)
    {
        using var response = await _http.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"), ct);
        return await ExpectJsonAsync(response, path, ct);
    }

    /// <summary>POST without a body as root, as JSON; anything but 200 fails the benchmark.</summary>
    public async Task<JsonDocument> PostJsonAsync(string path, CancellationToken ct)
    {
        using var response = await _http.PostAsync(path, null, ct);
        return await ExpectJsonAsync(response, path, ct);
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            CpuClock.Terminate(_process.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await _pumps;
        await _log.DisposeAsync();
        _process.Dispose();
    }

    private async Task WaitUntilUpAsync(string logPath, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new BenchmarkFailedException($"The server exited with code {_process.ExitCode} during start-up; see its log below.\n{Tail(logPath)}");
            }

            try
            {
                using var response = await _http.GetAsync("/api/v1/oauth-clients/local", ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new BenchmarkFailedException($"The server did not answer within 2 minutes.\n{Tail(logPath)}");
            }

            await Task.Delay(200, ct);
        }
    }

    private async Task LoginAsync(CancellationToken ct)
    {
        string clientId, clientSecret;
        using (var response = await _http.GetAsync("/api/v1/oauth-clients/local", ct))
        using (var client = await ExpectJsonAsync(response, "oauth-clients/local", ct))
        {
            clientId = client.RootElement.GetProperty("client_id").GetString()!;
            clientSecret = client.RootElement.GetProperty("client_secret").GetString()!;
        }

        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = clientId,
            ["client_secret"] = clientSecret,
            ["grant_type"] = "password",
            ["username"] = "root",
            ["password"] = _password,
        });
        using (var response = await _http.PostAsync("/api/v1/users/token", form, ct))
        using (var token = await ExpectJsonAsync(response, "users/token", ct))
        {
            _http.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        }

        using (var response = await _http.GetAsync("/api/v1/users/me", ct))
        using (var me = await ExpectJsonAsync(response, "users/me", ct))
        {
            _channelId = me.RootElement.GetProperty("videoChannels")[0].GetProperty("id").GetInt32();
        }
    }

    private static async Task<JsonDocument> ExpectJsonAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new BenchmarkFailedException($"{what}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
        }

        return JsonDocument.Parse(text);
    }

    private static async Task PumpAsync(StreamReader reader, StreamWriter log)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (log)
            {
                log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string logPath)
    {
        try
        {
            using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(40));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
    }
}

internal sealed record PublishedVideo(IReadOnlyList<int> Resolutions, long TotalBytes);

internal sealed class BenchmarkFailedException(string message) : Exception(message);
