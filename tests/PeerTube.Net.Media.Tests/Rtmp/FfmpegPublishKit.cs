using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PeerTube.Net.Media.Tests.Support;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>Runs ffmpeg as an RTMP publisher, probes what we wrote, and records what a client sends.</summary>
internal static class FfmpegPublishKit
{
    /// <summary>The publish of the brief: 2 s of 160x90 test pattern at 10 fps and a sine, H.264 + AAC.</summary>
    public static IReadOnlyList<string> PublishArguments(string url, double seconds = 2, bool realTime = false) =>
    [
        "-hide_banner", "-nostdin", "-loglevel", "error",
        .. realTime ? (string[])["-re"] : [],
        "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "10",
        "-c:a", "aac", "-f", "flv", url,
    ];

    public static async Task<(int ExitCode, string Errors)> RunAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var (exit, _, errors) = await RunWithOutputAsync(tool, arguments, timeout);
        return (exit, errors);
    }

    public static async Task<(int ExitCode, string Output, string Errors)> RunWithOutputAsync(string tool, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var startInfo = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} ran past {timeout.TotalSeconds} s: {string.Join(' ', arguments)}");
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>The codec of each stream, and the last packet's time (the FLV's real duration: a live FLV's metadata says 0).</summary>
    public static async Task<(List<string> Codecs, double LastPacketSeconds)> ProbeFlvAsync(string path)
    {
        var (exit, json, errors) = await RunWithOutputAsync("ffprobe",
            ["-v", "error", "-print_format", "json", "-show_entries", "stream=codec_type,codec_name:packet=pts_time", "-i", path],
            TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, errors);
        using var document = JsonDocument.Parse(json);
        var codecs = document.RootElement.GetProperty("streams").EnumerateArray()
            .Select(s => s.GetProperty("codec_type").GetString() + ":" + s.GetProperty("codec_name").GetString()).Order().ToList();
        var last = document.RootElement.GetProperty("packets").EnumerateArray()
            .Where(p => p.TryGetProperty("pts_time", out _))
            .Max(p => double.Parse(p.GetProperty("pts_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        return (codecs, last);
    }
}

/// <summary>A loopback proxy in front of the server that keeps every byte its one client sends.</summary>
internal sealed class RecordingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly MemoryStream _recorded = new();
    private readonly Task _run;

    public RecordingProxy(IPEndPoint server)
    {
        _listener.Start();
        _run = RunAsync(server);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What the client sent, once it has closed its side.</summary>
    public async Task<byte[]> RecordingAsync()
    {
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
        return _recorded.ToArray();
    }

    private async Task RunAsync(IPEndPoint server)
    {
        using var client = await _listener.AcceptTcpClientAsync();
        using var upstream = new TcpClient(AddressFamily.InterNetwork);
        await upstream.ConnectAsync(IPAddress.Loopback, server.Port);
        var fromClient = PumpAsync(client.GetStream(), upstream.GetStream(), _recorded, () => upstream.Client.Shutdown(SocketShutdown.Send));
        var fromServer = PumpAsync(upstream.GetStream(), client.GetStream(), null, () => client.Client.Shutdown(SocketShutdown.Send));
        await fromClient;
        await Task.WhenAny(fromServer, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private static async Task PumpAsync(Stream from, Stream to, MemoryStream? record, Action closed)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                record?.Write(buffer, 0, read);
                await to.WriteAsync(buffer.AsMemory(0, read));
            }

            closed();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException)
        {
        }

        _listener.Dispose();
    }
}

/// <summary>One real ffmpeg publish through a <see cref="RecordingProxy"/>, shared by the tests of a class: the FLV we wrote and ffmpeg's bytes.</summary>
public sealed class RecordedFfmpegPublish : IAsyncLifetime
{
    public const string Key = "recorded-key";

    private readonly TempDirectory _directory = new();

    public string FlvPath => _directory.File("recorded.flv");

    public byte[] FlvBytes { get; private set; } = [];

    public byte[] ClientBytes { get; private set; } = [];

    public int FfmpegExitCode { get; private set; }

    public string FfmpegErrors { get; private set; } = "";

    internal Media.Rtmp.RtmpPublishEnd? End { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var authorizer = new TestAuthorizer(_ => new TestSink(File.Create(FlvPath))).Accept(Key);
        await using var server = new TestRtmpServer(authorizer);
        await using var proxy = new RecordingProxy(server.EndPoint);

        (FfmpegExitCode, FfmpegErrors) = await FfmpegPublishKit.RunAsync("ffmpeg",
            FfmpegPublishKit.PublishArguments($"rtmp://127.0.0.1:{proxy.Port}/live/{Key}"), TimeSpan.FromSeconds(60));
        ClientBytes = await proxy.RecordingAsync();
        End = await (await authorizer.FirstAccepted.Task.WaitAsync(TimeSpan.FromSeconds(10))).Ended.Task
            .WaitAsync(TimeSpan.FromSeconds(10));
        FlvBytes = await File.ReadAllBytesAsync(FlvPath);
    }

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
