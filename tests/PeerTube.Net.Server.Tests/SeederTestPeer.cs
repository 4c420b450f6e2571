using System.Net;
using System.Net.Sockets;
using PeerTube.Net.Media.Torrents.PeerWire;

namespace PeerTube.Net.Server.Tests;

/// <summary>A bare BitTorrent peer on a raw TCP socket, speaking the protocol with the Media library's codec.</summary>
internal sealed class SeederTestPeer : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64];

    private SeederTestPeer(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Reader = new PeerWireReader(_stream);
    }

    public PeerWireReader Reader { get; }

    public byte[] PeerId { get; } = "-TS0001-"u8.ToArray().Concat(Guid.NewGuid().ToByteArray()[..12]).ToArray();

    public static async Task<SeederTestPeer> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
        return new SeederTestPeer(tcp);
    }

    /// <summary>Sends our handshake and reads the seeder's whole answer.</summary>
    public async Task<PeerHandshake> HandshakeAsync(byte[] infoHash, PeerExtensions extensions = PeerExtensions.None, TimeSpan? within = null)
    {
        await SendAsync(new PeerHandshake(infoHash, PeerId, extensions).ToArray());
        using var timeout = Timeout(within);
        return await Reader.ReadHandshakeAsync(timeout.Token);
    }

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _stream.WriteAsync(bytes, TestContext.Current.CancellationToken).AsTask();

    public Task SendAsync(PeerMessageType type) => SendAsync(_buffer.AsMemory(0, PeerMessageWriter.WriteSimple(_buffer, type)));

    public Task RequestAsync(int index, int begin, int length) => SendBlockAsync(PeerMessageType.Request, index, begin, length);

    public Task SendBlockAsync(PeerMessageType type, int index, int begin, int length) =>
        SendAsync(_buffer.AsMemory(0, PeerMessageWriter.WriteBlockRequest(_buffer, type, index, begin, length)));

    public async Task<PeerMessage> ReadAsync()
    {
        using var timeout = Timeout();
        return await Reader.ReadMessageAsync(timeout.Token);
    }

    /// <summary>The next message that is not a keep-alive.</summary>
    public async Task<PeerMessage> ReadMeaningfulAsync()
    {
        while (true)
        {
            var message = await ReadAsync();
            if (message.Type != PeerMessageType.KeepAlive)
            {
                return message;
            }
        }
    }

    /// <summary>True when the seeder closes the connection within the time given, whatever it sent before.</summary>
    public async Task<bool> IsClosedBySeederAsync(TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within ?? Patience);
        var scratch = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(scratch, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true; // reset
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private static CancellationTokenSource Timeout(TimeSpan? within = null)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within ?? Patience);
        return timeout;
    }
}
