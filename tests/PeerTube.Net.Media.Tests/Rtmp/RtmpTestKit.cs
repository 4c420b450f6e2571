using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Media.Tests.Rtmp;

/// <summary>Accepts the keys it is given (each once at a time, as the server enforces), with a sink per publish.</summary>
internal sealed class TestAuthorizer(Func<RtmpPublishRequest, TestSink> newSink) : IRtmpPublishAuthorizer
{
    public ConcurrentDictionary<string, RtmpRefusalReason?> Keys { get; } = new();

    public ConcurrentQueue<TestSink> Sinks { get; } = new();

    public ConcurrentQueue<RtmpPublishRequest> Requests { get; } = new();

    public TaskCompletionSource<TestSink> FirstAccepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TestAuthorizer Accept(params string[] keys)
    {
        foreach (var key in keys)
        {
            Keys[key] = null;
        }

        return this;
    }

    public ValueTask<RtmpPublishDecision> AuthorizeAsync(RtmpPublishRequest request, CancellationToken ct)
    {
        Requests.Enqueue(request);
        if (request.App != "live" || !Keys.TryGetValue(request.StreamKey, out var refusal))
        {
            return ValueTask.FromResult(RtmpPublishDecision.Refuse(RtmpRefusalReason.UnknownKey, "Unknown stream key."));
        }

        if (refusal is { } reason)
        {
            return ValueTask.FromResult(RtmpPublishDecision.Refuse(reason, "Refused by the test."));
        }

        var sink = newSink(request);
        Sinks.Enqueue(sink);
        FirstAccepted.TrySetResult(sink);
        return ValueTask.FromResult(RtmpPublishDecision.Accept(sink));
    }
}

internal sealed class TestSink(Stream flv) : IRtmpPublishSink
{
    public Stream Flv { get; } = flv;

    public TaskCompletionSource<RtmpPublishEnd> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int EndCalls;

    public ValueTask PublishEndedAsync(RtmpPublishEnd end)
    {
        Interlocked.Increment(ref EndCalls);
        Flv.Dispose();
        Ended.TrySetResult(end);
        return ValueTask.CompletedTask;
    }

    public static TestSink InMemory() => new(new MemoryStream());
}

/// <summary>Plays an RTMP client by hand: the handshake, then commands and media through our own chunk writer.</summary>
internal sealed class RtmpTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly RtmpChunkReader _reader;
    private double _transaction;

    private RtmpTestClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Writer = new RtmpChunkWriter(_stream);
        _reader = new RtmpChunkReader(_stream, new RtmpOptions());
    }

    public RtmpChunkWriter Writer { get; }

    /// <summary>What the server sent besides commands, in order.</summary>
    public List<RtmpMessage> ControlMessages { get; } = [];

    /// <summary>The chunk size the server sends with.</summary>
    public int ChunkSize => _reader.ChunkSize;

    public NetworkStream Stream => _stream;

    public static async Task<RtmpTestClient> ConnectAsync(IPEndPoint server, CancellationToken ct, bool handshake = true, int? receiveBuffer = null)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        if (receiveBuffer is { } size)
        {
            // Before connecting, so the window the client announces stays that small.
            tcp.ReceiveBufferSize = size;
        }

        await tcp.ConnectAsync(IPAddress.Loopback, server.Port, ct);
        var client = new RtmpTestClient(tcp);
        if (handshake)
        {
            await RtmpHandshake.ConnectAsync(client._stream, ct);
        }

        return client;
    }

    public ValueTask SendCommandAsync(uint streamId, string name, CancellationToken ct, params object?[] arguments) =>
        Writer.WriteAsync(RtmpChunkWriter.CommandChunkStream, RtmpCommands.Command(streamId, name, ++_transaction, arguments), ct);

    /// <summary>The next command the server sends, skipping control messages.</summary>
    public async Task<(string Name, List<object?> Arguments)> ReadCommandAsync(CancellationToken ct)
    {
        while (true)
        {
            var message = await _reader.ReadMessageAsync(ct);
            if (message.Type == RtmpMessageType.CommandAmf0)
            {
                var (name, _, arguments) = RtmpCommands.Parse(message);
                return (name, arguments);
            }

            ControlMessages.Add(message);
        }
    }

    /// <summary>connect, createStream, publish: the onStatus code of the publish.</summary>
    public async Task<string?> PublishAsync(string app, string key, CancellationToken ct)
    {
        await SendCommandAsync(0, "connect", ct, new Amf0Object { { "app", app }, { "type", "nonprivate" }, { "tcUrl", $"rtmp://127.0.0.1/{app}" } });
        var connect = await ReadCommandAsync(ct);
        Assert.Equal("_result", connect.Name);
        Assert.Equal("NetConnection.Connect.Success", ((Amf0Object)connect.Arguments[1]!).GetString("code"));

        await SendCommandAsync(0, "createStream", ct, [null]);
        var created = await ReadCommandAsync(ct);
        Assert.Equal("_result", created.Name);
        var streamId = (uint)(double)created.Arguments[1]!;
        StreamId = streamId;

        await SendCommandAsync(streamId, "publish", ct, null, key, "live");
        var status = await ReadCommandAsync(ct);
        Assert.Equal("onStatus", status.Name);
        return ((Amf0Object)status.Arguments[1]!).GetString("code");
    }

    public uint StreamId { get; private set; }

    /// <summary>Reads until the server closes the connection; true if it did within the time given.</summary>
    public async Task<bool> WaitForCloseAsync(TimeSpan within, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(within);
        var scratch = new byte[16 * 1024];
        try
        {
            while (await _stream.ReadAsync(scratch, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A server on a free loopback port with bounds small enough for tests to reach.</summary>
internal sealed class TestRtmpServer : IAsyncDisposable
{
    public TestRtmpServer(TestAuthorizer authorizer, RtmpOptions? options = null, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null)
    {
        Authorizer = authorizer;
        Options = (options ?? new RtmpOptions()) with { Port = 0, ListenOnAllInterfaces = false };
        Server = new RtmpServer(Options, authorizer, Log, certificate: certificate);
        Server.Start();
    }

    public TestAuthorizer Authorizer { get; }

    public ListLogger Log { get; } = new();

    public RtmpOptions Options { get; }

    public RtmpServer Server { get; }

    public IPEndPoint EndPoint => Server.LocalEndPoint!;

    public string Url(string key, string app = "live", string scheme = "rtmp") => $"{scheme}://127.0.0.1:{EndPoint.Port}/{app}/{key}";

    /// <summary>Waits until every connection is closed (sessions finish shortly after their socket does).</summary>
    public async Task WaitForNoConnectionsAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Server.Connections > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, Server.Connections);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>Keeps every log line (level and formatted message) the server writes.</summary>
internal sealed class ListLogger : Microsoft.Extensions.Logging.ILogger<RtmpServer>
{
    public ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, string Message)> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
        Exception? exception, Func<TState, Exception?, string> formatter) => Lines.Enqueue((logLevel, formatter(state, exception)));
}
