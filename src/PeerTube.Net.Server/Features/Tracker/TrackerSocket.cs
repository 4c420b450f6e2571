using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// One WebSocket connection. Anyone may queue a message to it (its own loop, or another peer relaying an offer or an
/// answer); a single pump writes them, so sends never overlap and a slow client never holds up another's loop.
/// </summary>
internal sealed class TrackerSocket(IPAddress remoteIp, int maxQueuedBytes = int.MaxValue, Action? onOverflow = null)
{
    /// <summary>Messages waiting for a client that does not read; beyond it messages to it are dropped.</summary>
    private const int OutboxCapacity = 256;

    private readonly Channel<byte[]> _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(OutboxCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private volatile bool _open = true;
    private long _queuedBytes;
    private long _minute = long.MinValue;
    private int _messages;

    public IPAddress RemoteIp { get; } = remoteIp;

    public bool IsOpen => _open;

    /// <summary>The (info-hash, peer id) pairs this connection announced; touched by its receive loop only.</summary>
    public HashSet<(string InfoHash, string PeerIdHex)> Memberships { get; } = [];

    /// <summary>Bytes queued and not yet written to the client.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// Queues a message; false when the socket is closed or its client is too far behind. A client that lets more
    /// than its byte budget pile up is closed: it is not reading, and every offer relayed to it is lost anyway.
    /// </summary>
    public bool Send(byte[] message)
    {
        if (!_open)
        {
            return false;
        }

        if (Interlocked.Add(ref _queuedBytes, message.Length) > maxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -message.Length);
            Overflow();
            return false;
        }

        if (_outbox.Writer.TryWrite(message))
        {
            return true;
        }

        Interlocked.Add(ref _queuedBytes, -message.Length);
        Overflow();
        return false;
    }

    private void Overflow()
    {
        _open = false;
        _outbox.Writer.TryComplete();
        onOverflow?.Invoke();
    }

    public async Task PumpAsync(WebSocket ws, CancellationToken ct)
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync(ct))
            {
                await ws.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
                Interlocked.Add(ref _queuedBytes, -message.Length);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            _open = false;
        }
    }

    /// <summary>No more messages are accepted; what is queued still goes out.</summary>
    public void Close()
    {
        _open = false;
        _outbox.Writer.TryComplete();
    }

    /// <summary>Counts one received message against the per-minute budget; called by the receive loop only.</summary>
    public bool CountMessage(DateTimeOffset now, int perMinute)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        if (minute != _minute)
        {
            _minute = minute;
            _messages = 0;
        }

        return ++_messages <= perMinute;
    }
}
