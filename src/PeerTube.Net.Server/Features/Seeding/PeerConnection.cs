using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using PeerTube.Net.Media.Torrents.PeerWire;

namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>
/// One remote peer: its handshake, then a read loop (requests, interest, cancels) and a send loop (control messages
/// first, then one block at a time, read from the media file straight into the send buffer). Anything a peer
/// does wrong ends the connection; nothing it does can end more than its own.
/// </summary>
internal sealed class PeerConnection : IChokeable
{
    /// <summary>Outstanding requests one peer may have queued; clients pipeline far fewer.</summary>
    public const int MaxQueuedRequests = 1024;

    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(60);

    /// <summary>A handshake takes one round trip; a socket held open without one is only taking a connection slot.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private const int BlockLength = PeerWireLimits.StandardBlockLength;

    private readonly NetworkStream _stream;
    private readonly PeerWireReader _reader;
    private readonly SeedingLibrary _library;
    private readonly SeederState _state;
    private readonly UploadSlots _slots;
    private readonly SeedingOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _cts;

    private readonly Lock _gate = new();
    private readonly List<PendingMessage> _requests = [];
    private readonly Queue<PendingMessage> _control = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool _choked = true;

    private SeededTorrent? _torrent;
    private SafeFileHandle? _file;
    private bool _fast;
    private long _lastReceived;
    private long _lastSent;
    private long _windowStart;
    private int _windowCount;

    public PeerConnection(Socket socket, SeedingLibrary library, SeederState state, UploadSlots slots, SeedingOptions options,
        TimeProvider clock, ILogger log, CancellationToken stopping)
    {
        socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new PeerWireReader(_stream);
        _library = library;
        _state = state;
        _slots = slots;
        _options = options;
        _clock = clock;
        _log = log;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        Remote = socket.RemoteEndPoint?.ToString() ?? "?";
        _lastReceived = _lastSent = _windowStart = clock.GetTimestamp();
    }

    public string Remote { get; }

    /// <summary>Set by <see cref="Start"/>; completes when the connection is closed and cleaned up.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start(Action<PeerConnection> closed) => Completion = RunAsync(closed);

    /// <summary>Closes the connection from outside (idle, shutdown); safe to call at any time.</summary>
    public void Abort(string reason)
    {
        try
        {
            if (!_cts.IsCancellationRequested)
            {
                _log.LogDebug("Dropping peer {Peer}: {Reason}", Remote, reason);
                _cts.Cancel();
            }
        }
        catch (ObjectDisposedException)
        {
            // Already closed.
        }
    }

    /// <summary>Drops the peer when it has been silent too long, and keeps our side of the connection alive.</summary>
    public void CheckTimers(TimeSpan idleTimeout)
    {
        var limit = _torrent is null && HandshakeTimeout < idleTimeout ? HandshakeTimeout : idleTimeout;
        if (_clock.GetElapsedTime(Interlocked.Read(ref _lastReceived)) > limit)
        {
            Abort($"silent for more than {limit.TotalSeconds:0} s");
        }
        else if (_torrent is not null && _clock.GetElapsedTime(Interlocked.Read(ref _lastSent)) > KeepAliveInterval)
        {
            Queue(new PendingMessage(PeerMessageType.KeepAlive, 0, 0, 0));
        }
    }

    public void Choke()
    {
        lock (_gate)
        {
            if (_choked)
            {
                return;
            }

            _choked = true;
            _control.Enqueue(new PendingMessage(PeerMessageType.Choke, 0, 0, 0));
            // BEP 6: a choke no longer cancels requests implicitly, each one is rejected.
            foreach (var request in _fast ? _requests : [])
            {
                _control.Enqueue(request with { Type = PeerMessageType.RejectRequest });
            }

            _requests.Clear();
        }

        _wake.Writer.TryWrite(true);
    }

    public void Unchoke()
    {
        lock (_gate)
        {
            if (!_choked)
            {
                return;
            }

            _choked = false;
            _control.Enqueue(new PendingMessage(PeerMessageType.Unchoke, 0, 0, 0));
        }

        _wake.Writer.TryWrite(true);
    }

    private async Task RunAsync(Action<PeerConnection> closed)
    {
        await Task.Yield();
        var ct = _cts.Token;
        Task? sending = null;
        try
        {
            if (!await HandshakeAsync(ct))
            {
                return;
            }

            // From here on, the torrent leaving the catalog also ends the connection.
            using var withdrawn = _torrent!.Withdrawn.Register(() => Abort("the torrent was withdrawn"));
            sending = SendLoopAsync(ct);
            await ReadLoopAsync(ct);
        }
        catch (PeerWireException e)
        {
            _log.LogDebug("Dropping peer {Peer}: {Reason}", Remote, e.Message);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer left, the connection broke, or we are closing it.
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Peer connection {Peer} failed", Remote);
        }
        finally
        {
            await CloseAsync(sending);
            closed(this);
        }
    }

    private async Task<bool> HandshakeAsync(CancellationToken ct)
    {
        var (extensions, infoHash) = await _reader.ReadHandshakeHeaderAsync(ct);
        Touch();
        var torrent = _library.Find(Convert.ToHexStringLower(infoHash));
        if (torrent is null)
        {
            _log.LogDebug("Dropping peer {Peer}: unknown info-hash {InfoHash}", Remote, Convert.ToHexStringLower(infoHash));
            return false;
        }

        _fast = extensions.HasFlag(PeerExtensions.Fast);
        await _stream.WriteAsync(new PeerHandshake(infoHash, _state.PeerId, PeerExtensions.Fast).ToArray(), ct);
        var peerId = await _reader.ReadPeerIdAsync(ct);
        if (peerId.AsSpan().SequenceEqual(_state.PeerId))
        {
            _log.LogDebug("Dropping peer {Peer}: it is this seeder", Remote);
            return false;
        }

        _file = File.OpenHandle(torrent.FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.Asynchronous);
        if (RandomAccess.GetLength(_file) != torrent.Metainfo.Length)
        {
            _log.LogWarning("Not seeding {InfoHash}: {File} no longer has the torrent's length", torrent.InfoHashHex, torrent.FilePath);
            return false;
        }

        _reader.PieceCount = torrent.Metainfo.PieceCount;
        _torrent = torrent;
        torrent.PeerConnected();

        // Everything: have all with the fast extension, else a full bitfield.
        var bits = _fast ? [] : Bitfield.All(torrent.Metainfo.PieceCount);
        var message = new byte[PeerMessageWriter.PrefixLength + 1 + bits.Length];
        var length = _fast ? PeerMessageWriter.WriteSimple(message, PeerMessageType.HaveAll) : PeerMessageWriter.WriteBitfield(message, bits);
        await _stream.WriteAsync(message.AsMemory(0, length), ct);
        Interlocked.Exchange(ref _lastSent, _clock.GetTimestamp());
        _log.LogDebug("Peer {Peer} ({PeerId}) connected for {InfoHash}, fast extension {Fast}", Remote,
            System.Text.Encoding.ASCII.GetString(peerId[..8]), torrent.InfoHashHex, _fast ? "on" : "off");
        return true;
    }

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            var message = await _reader.ReadMessageAsync(ct);
            Touch();
            CountAgainstFlood();
            switch (message.Type)
            {
                case PeerMessageType.Interested:
                    _slots.Interested(this);
                    break;
                case PeerMessageType.NotInterested:
                    _slots.NotInterested(this);
                    break;
                case PeerMessageType.Request:
                    OnRequest(new PendingMessage(PeerMessageType.Piece, message.Index, message.Begin, message.Length));
                    break;
                case PeerMessageType.Cancel:
                    OnCancel(new PendingMessage(PeerMessageType.Piece, message.Index, message.Begin, message.Length));
                    break;
                case PeerMessageType.Piece:
                    throw new PeerWireException("It sent a piece; a seeder never asks for one.");
                case PeerMessageType.HaveAll or PeerMessageType.HaveNone or PeerMessageType.RejectRequest
                    or PeerMessageType.AllowedFast or PeerMessageType.Suggest when !_fast:
                    throw new PeerWireException($"It sent {message.Type} without the fast extension (BEP 6).");
                default:
                    // Keep-alive, choke/unchoke (we never download), have/bitfield, port, extended, unknown: nothing to do.
                    break;
            }
        }
    }

    private void OnRequest(PendingMessage request)
    {
        var metainfo = _torrent!.Metainfo;
        var pieceSize = metainfo.PieceSize(request.Index);
        if ((long)request.Begin + request.Length > pieceSize)
        {
            throw new PeerWireException(
                $"It asked for bytes {request.Begin}-{(long)request.Begin + request.Length} of piece {request.Index}, which has {pieceSize}.");
        }

        lock (_gate)
        {
            if (_choked)
            {
                // BEP 3: requests while choked are dropped; BEP 6 makes it say so.
                if (_fast && !TryEnqueueControl(request with { Type = PeerMessageType.RejectRequest }))
                {
                    throw new PeerWireException("It does not read what it is sent.");
                }
            }
            else if (_requests.Count >= MaxQueuedRequests)
            {
                throw new PeerWireException($"It queued more than {MaxQueuedRequests} requests.");
            }
            else
            {
                _requests.Add(request);
            }
        }

        _wake.Writer.TryWrite(true);
    }

    private void OnCancel(PendingMessage request)
    {
        lock (_gate)
        {
            // BEP 6: a cancelled request is answered with a reject (or the piece, if it was already on its way).
            if (_requests.Remove(request) && _fast && !TryEnqueueControl(request with { Type = PeerMessageType.RejectRequest }))
            {
                throw new PeerWireException("It does not read what it is sent.");
            }
        }

        _wake.Writer.TryWrite(true);
    }

    private void Queue(PendingMessage control)
    {
        bool queued;
        lock (_gate)
        {
            queued = TryEnqueueControl(control);
        }

        if (!queued)
        {
            Abort("it does not read what it is sent");
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Under <see cref="_gate"/>. False when the peer has let too much pile up: it is dropped.</summary>
    private bool TryEnqueueControl(PendingMessage control)
    {
        if (_control.Count >= MaxQueuedRequests)
        {
            return false;
        }

        _control.Enqueue(control);
        return true;
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(PeerMessageWriter.PieceHeaderLength + BlockLength);
        try
        {
            while (true)
            {
                var length = 0;
                PendingMessage? block = null;
                lock (_gate)
                {
                    while (_control.Count > 0 && length + PeerMessageWriter.BlockRequestLength <= buffer.Length)
                    {
                        length += WriteControl(buffer.AsSpan(length), _control.Dequeue());
                    }

                    if (length == 0 && !_choked && _requests.Count > 0)
                    {
                        block = _requests[0];
                        _requests.RemoveAt(0);
                    }
                }

                if (block is { } request)
                {
                    length = PeerMessageWriter.WritePieceHeader(buffer, request.Index, request.Begin, request.Length);
                    await ReadBlockAsync(buffer.AsMemory(length, request.Length), request, ct);
                    length += request.Length;
                }

                if (length > 0)
                {
                    await _stream.WriteAsync(buffer.AsMemory(0, length), ct);
                    Interlocked.Exchange(ref _lastSent, _clock.GetTimestamp());
                    if (block is { } sent)
                    {
                        _state.AddUploaded(_torrent!, sent.Length);
                    }

                    continue;
                }

                await _wake.Reader.ReadAsync(ct);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is going away; the read loop sees it too.
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Sending to peer {Peer} failed", Remote);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // A send loop that stops for any reason takes the connection with it.
            Abort("sending stopped");
        }
    }

    private async Task ReadBlockAsync(Memory<byte> destination, PendingMessage request, CancellationToken ct)
    {
        var offset = _torrent!.Metainfo.PieceOffset(request.Index) + request.Begin;
        while (destination.Length > 0)
        {
            var read = await RandomAccess.ReadAsync(_file!, destination, offset, ct);
            if (read == 0)
            {
                throw new IOException($"{_torrent.FilePath} ended before byte {offset}.");
            }

            destination = destination[read..];
            offset += read;
        }
    }

    private static int WriteControl(Span<byte> destination, PendingMessage control) => control.Type switch
    {
        PeerMessageType.KeepAlive => PeerMessageWriter.WriteKeepAlive(destination),
        PeerMessageType.RejectRequest => PeerMessageWriter.WriteBlockRequest(destination, control.Type, control.Index, control.Begin, control.Length),
        _ => PeerMessageWriter.WriteSimple(destination, control.Type),
    };

    private void Touch() => Interlocked.Exchange(ref _lastReceived, _clock.GetTimestamp());

    private void CountAgainstFlood()
    {
        var now = _clock.GetTimestamp();
        if (_clock.GetElapsedTime(_windowStart, now) >= TimeSpan.FromSeconds(1))
        {
            _windowStart = now;
            _windowCount = 0;
        }

        if (++_windowCount > _options.MaxRequestsPerSecond)
        {
            throw new PeerWireException($"It sent more than {_options.MaxRequestsPerSecond} messages in a second.");
        }
    }

    private async Task CloseAsync(Task? sending)
    {
        await _cts.CancelAsync();
        if (sending is not null)
        {
            await sending;
        }

        _slots.Remove(this);
        _torrent?.PeerDisconnected();
        await _stream.DisposeAsync();
        _file?.Dispose();
        _cts.Dispose();
    }

    /// <summary>A message to send: a piece (for a block a peer asked for), or a choke, unchoke, reject or keep-alive.</summary>
    private readonly record struct PendingMessage(PeerMessageType Type, int Index, int Begin, int Length);
}
