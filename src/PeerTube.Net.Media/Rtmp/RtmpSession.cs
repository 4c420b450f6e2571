using System.Net;
using Microsoft.Extensions.Logging;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// One publisher's connection, from the handshake to the close: answers connect, releaseStream, FCPublish,
/// createStream and publish as ffmpeg and OBS expect, asks the authorizer, then writes audio, video and metadata to
/// the sink as FLV until FCUnpublish/deleteStream or the connection ends. It acknowledges bytes as the peer's
/// window asks. Every way out (clean, refused, dropped) ends in <see cref="RunAsync"/> returning, never throwing.
/// </summary>
internal sealed class RtmpSession
{
    private const uint MediaChunkStream = 5;

    private readonly Stream _stream;
    private readonly RtmpOptions _options;
    private readonly RtmpServer _server;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IPEndPoint? _remote;
    private readonly RtmpChunkWriter _writer;
    private readonly string _id;

    private string? _app;
    private string? _tcUrl;
    private uint _nextStreamId = 1;
    private uint _peerWindow;
    private long _lastAcknowledged;

    private Publishing? _publishing;
    private RtmpReadGuard _guard = null!;

    public RtmpSession(Stream stream, IPEndPoint? remote, RtmpOptions options, RtmpServer server, ILogger logger, TimeProvider time)
    {
        _stream = stream;
        _remote = remote;
        _options = options;
        _server = server;
        _logger = logger;
        _time = time;
        _writer = new RtmpChunkWriter(stream);
        _id = remote?.ToString() ?? "?";
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var started = _time.GetTimestamp();
        using var guard = new RtmpReadGuard(_options, _time, ct);
        _guard = guard;
        var end = (Reason: RtmpPublishEndReason.Disconnected, Detail: (string?)null);
        try
        {
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                handshake.CancelAfter(_options.HandshakeTimeout);
                try
                {
                    await RtmpHandshake.AcceptAsync(_stream, handshake.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new RtmpException($"No handshake within {_options.HandshakeTimeout.TotalSeconds:F0} s.");
                }
            }

            var reader = new RtmpChunkReader(_stream, _options, guard);
            while (true)
            {
                var message = await reader.ReadMessageAsync(ct).ConfigureAwait(false);
                if (!await HandleAsync(message, guard, ct).ConfigureAwait(false))
                {
                    return;
                }

                await AcknowledgeAsync(reader.BytesRead, ct).ConfigureAwait(false);
                if (_publishing is null && _time.GetElapsedTime(started) > _options.PublishTimeout)
                {
                    throw new RtmpException($"No publish within {_options.PublishTimeout.TotalSeconds:F0} s of connecting.");
                }
            }
        }
        catch (EndOfStreamException)
        {
            end = (RtmpPublishEndReason.Disconnected, "the publisher closed the connection");
            _logger.LogDebug("RTMP {Client}: connection closed by the client", _id);
        }
        catch (OperationCanceledException) when (guard.TimedOut && !ct.IsCancellationRequested)
        {
            end = (RtmpPublishEndReason.Dropped, $"no progress for {_options.IdleTimeout.TotalSeconds:F0} s (the client neither sent nor read)");
            _logger.LogWarning("RTMP {Client}: dropped, {Detail}", _id, end.Detail);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            end = (RtmpPublishEndReason.ServerStopping, "the RTMP server is stopping");
        }
        catch (RtmpException e)
        {
            end = (RtmpPublishEndReason.Dropped, e.Message);
            _logger.LogWarning("RTMP {Client}: dropped, {Detail}", _id, e.Message);
        }
        catch (SinkException e)
        {
            end = (RtmpPublishEndReason.SinkFailed, e.InnerException?.Message);
            _logger.LogWarning(e.InnerException, "RTMP {Client}: the sink of {App}/{Key} failed; dropping the publisher", _id, _app, Redact(_publishing?.Request.StreamKey ?? ""));
        }
        catch (IOException e)
        {
            end = (RtmpPublishEndReason.Disconnected, e.Message);
            _logger.LogInformation("RTMP {Client}: connection lost: {Error}", _id, e.Message);
        }
        catch (Exception e)
        {
            // A bug of ours must cost this session only, never the server.
            end = (RtmpPublishEndReason.Dropped, e.Message);
            _logger.LogError(e, "RTMP {Client}: session failed", _id);
        }
        finally
        {
            await EndPublishAsync(end.Reason, end.Detail).ConfigureAwait(false);
        }
    }

    /// <summary>False when the session is over (a refused publish).</summary>
    private async ValueTask<bool> HandleAsync(RtmpMessage message, RtmpReadGuard guard, CancellationToken ct)
    {
        switch (message.Type)
        {
            case RtmpMessageType.WindowAcknowledgementSize:
                _peerWindow = RtmpChunkReader.ReadControlUInt32(message);
                return true;

            case RtmpMessageType.CommandAmf0 or RtmpMessageType.CommandAmf3:
                return await HandleCommandAsync(message, guard, ct).ConfigureAwait(false);

            case RtmpMessageType.DataAmf0 when _publishing is { Ended: false } publishing:
                if (FlvWriter.MetadataBody(message.Payload) is { } metadata)
                {
                    await publishing.WriteAsync(RtmpMessageType.DataAmf0, 0, metadata, ct).ConfigureAwait(false);
                }

                return true;

            case RtmpMessageType.Audio or RtmpMessageType.Video when _publishing is { Ended: false } publishing:
                if (message.StreamId == publishing.StreamId)
                {
                    await publishing.WriteAsync(message.Type, message.Timestamp, message.Payload, ct).ConfigureAwait(false);
                }

                return true;

            default:
                // Acknowledgements, user control (pings), peer bandwidth, aggregate and shared objects: nothing to do.
                return true;
        }
    }

    private async ValueTask<bool> HandleCommandAsync(RtmpMessage message, RtmpReadGuard guard, CancellationToken ct)
    {
        var (name, transactionId, arguments) = RtmpCommands.Parse(message);
        switch (name)
        {
            case "connect":
            {
                if (_app is not null)
                {
                    throw new RtmpException("A second connect on one connection.");
                }

                var properties = arguments.FirstOrDefault() as Amf0Object;
                _app = (properties?.GetString("app") ?? "").Trim('/');
                _tcUrl = properties?.GetString("tcUrl");
                await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.ProtocolControlChunkStream,
                    [
                        RtmpChunkWriter.ControlMessage(RtmpMessageType.WindowAcknowledgementSize, (uint)_options.WindowAcknowledgementSize),
                        RtmpCommands.SetPeerBandwidth((uint)_options.WindowAcknowledgementSize),
                    ], t)).ConfigureAwait(false);
                await SendAsync(t => _writer.SetChunkSizeAsync(_options.OutgoingChunkSize, t)).ConfigureAwait(false);
                await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.CommandChunkStream, RtmpCommands.ConnectResult(transactionId), t)).ConfigureAwait(false);
                return true;
            }

            case "releaseStream" or "FCPublish":
                await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.CommandChunkStream, RtmpCommands.Result(transactionId, Amf0Undefined.Value), t)).ConfigureAwait(false);
                return true;

            case "createStream":
                if (_nextStreamId > 8)
                {
                    throw new RtmpException("More than 8 createStream commands on one connection.");
                }

                await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.CommandChunkStream, RtmpCommands.Result(transactionId, (double)_nextStreamId++), t)).ConfigureAwait(false);
                return true;

            case "publish":
                return await PublishAsync(message.StreamId, arguments.ElementAtOrDefault(1) as string, guard, ct).ConfigureAwait(false);

            case "FCUnpublish" or "deleteStream" or "closeStream":
                if (_publishing is { Ended: false })
                {
                    await EndPublishAsync(RtmpPublishEndReason.Unpublished, name).ConfigureAwait(false);
                }

                return true;

            default:
                _logger.LogDebug("RTMP {Client}: ignoring the command {Command}", _id, name);
                return true;
        }
    }

    private async ValueTask<bool> PublishAsync(uint streamId, string? name, RtmpReadGuard guard, CancellationToken ct)
    {
        if (_app is null)
        {
            throw new RtmpException("publish before connect.");
        }

        if (_publishing is not null)
        {
            throw new RtmpException("A second publish on one connection.");
        }

        if (streamId == 0 || streamId >= _nextStreamId)
        {
            throw new RtmpException($"publish on stream {streamId}, which createStream did not return.");
        }

        // OBS and others may append "?query" to the key; the key is what comes before it.
        var key = (name ?? "").Split('?', 2)[0];
        var request = new RtmpPublishRequest(_app, key, _remote, _tcUrl);
        var decision = key.Length == 0 || _app.Length == 0
            ? RtmpPublishDecision.Refuse(RtmpRefusalReason.UnknownKey, "No application or stream key.")
            : await _server.AuthorizeAsync(request, ct).ConfigureAwait(false);

        if (decision is RtmpPublishDecision.Refused refused)
        {
            _logger.LogWarning("RTMP {Client}: publish to {App}/{Key} refused ({Reason}): {Description}",
                _id, _app, Redact(key), refused.Reason, refused.Description);
            await SendAsync(t => _writer.WriteAsync(MediaChunkStream, RtmpCommands.OnStatus(streamId, "error", refused.StatusCode, refused.Description), t)).ConfigureAwait(false);
            await LingerAsync(ct).ConfigureAwait(false);
            return false;
        }

        var sink = ((RtmpPublishDecision.Accepted)decision).Sink;
        _publishing = new Publishing(request, streamId, sink, _time.GetTimestamp(), _options.SinkWriteTimeout);
        _logger.LogInformation("RTMP {Client}: publishing to {App}/{Key}", _id, _app, Redact(key));
        await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.ProtocolControlChunkStream, RtmpCommands.StreamBegin(streamId), t)).ConfigureAwait(false);
        await SendAsync(t => _writer.WriteAsync(MediaChunkStream,
            RtmpCommands.OnStatus(streamId, "status", "NetStream.Publish.Start", $"{_app}/{Redact(key)} is now published."), t)).ConfigureAwait(false);
        await _publishing.StartAsync(ct).ConfigureAwait(false);
        guard.StartRateCheck();
        return true;
    }

    /// <summary>Gives a refused client a moment to read its onStatus and hang up first, so it reports the error rather than a reset.</summary>
    private async ValueTask LingerAsync(CancellationToken ct)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(ct);
        linger.CancelAfter(_options.RefusalLinger);
        var scratch = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(scratch, linger.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A write to the client, under the same idle deadline as reads: a client that never reads cannot park the session on a full socket.</summary>
    private async ValueTask SendAsync(Func<CancellationToken, ValueTask> write)
    {
        var token = _guard.Arm();
        try
        {
            await write(token).ConfigureAwait(false);
        }
        finally
        {
            _guard.Disarm();
        }
    }

    private async ValueTask AcknowledgeAsync(long bytesRead, CancellationToken ct)
    {
        if (_peerWindow == 0 || bytesRead - _lastAcknowledged < _peerWindow)
        {
            return;
        }

        _lastAcknowledged = bytesRead;
        await SendAsync(t => _writer.WriteAsync(RtmpChunkWriter.ProtocolControlChunkStream,
            RtmpChunkWriter.ControlMessage(RtmpMessageType.Acknowledgement, unchecked((uint)bytesRead)), t)).ConfigureAwait(false);
    }

    private async ValueTask EndPublishAsync(RtmpPublishEndReason reason, string? detail)
    {
        if (_publishing is not { Ended: false } publishing)
        {
            return;
        }

        publishing.Ended = true;
        _server.Release(publishing.Request);
        var end = new RtmpPublishEnd(reason, detail, publishing.Flv.TagsWritten, _time.GetElapsedTime(publishing.Started));
        _logger.LogInformation("RTMP {Client}: {App}/{Key} ended ({Reason}) after {Tags} FLV tags, {Seconds:F1} s",
            _id, publishing.Request.App, Redact(publishing.Request.StreamKey), reason, end.FlvTags, end.Duration.TotalSeconds);
        await publishing.FlushQuietlyAsync().ConfigureAwait(false);

        try
        {
            await publishing.Sink.PublishEndedAsync(end).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "RTMP {Client}: the sink's end callback failed", _id);
        }
    }

    /// <summary>A stream key is a secret: the log shows enough to tell two apart.</summary>
    internal static string Redact(string key) => key.Length <= 4 ? "****" : key[..4] + "…";

    /// <summary>An accepted publish: its FLV writer, and a deadline on every write so a stuck sink cannot hold the key forever.</summary>
    private sealed class Publishing(RtmpPublishRequest request, uint streamId, IRtmpPublishSink sink, long started, TimeSpan writeTimeout)
    {
        private CancellationTokenSource? _deadline;

        public RtmpPublishRequest Request { get; } = request;
        public uint StreamId { get; } = streamId;
        public IRtmpPublishSink Sink { get; } = sink;
        public long Started { get; } = started;
        public FlvWriter Flv { get; } = new(sink.Flv);
        public bool Ended { get; set; }

        public ValueTask StartAsync(CancellationToken ct) => GuardAsync(token => Flv.WriteHeaderAsync(token), ct);

        public ValueTask WriteAsync(RtmpMessageType type, uint timestamp, ReadOnlyMemory<byte> body, CancellationToken ct) =>
            GuardAsync(token => Flv.WriteTagAsync(type, timestamp, body, token), ct);

        public async ValueTask FlushQuietlyAsync()
        {
            try
            {
                await GuardAsync(token => new ValueTask(Sink.Flv.FlushAsync(token)), CancellationToken.None).ConfigureAwait(false);
            }
            catch (SinkException)
            {
            }
            finally
            {
                _deadline?.Dispose();
            }
        }

        private async ValueTask GuardAsync(Func<CancellationToken, ValueTask> write, CancellationToken ct)
        {
            _deadline ??= CancellationTokenSource.CreateLinkedTokenSource(ct);
            _deadline.CancelAfter(writeTimeout);
            try
            {
                await write(_deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new SinkException(new TimeoutException($"The sink took no data for {writeTimeout.TotalSeconds:F0} s."));
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                throw new SinkException(e);
            }
            finally
            {
                if (!_deadline.IsCancellationRequested)
                {
                    _deadline.CancelAfter(Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    private sealed class SinkException(Exception inner) : Exception("The publish sink failed.", inner);
}
