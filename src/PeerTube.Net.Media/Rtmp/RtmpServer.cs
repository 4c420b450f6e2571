using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PeerTube.Net.Media.Rtmp;

/// <summary>
/// The RTMP ingest: accepts publishers on a TCP port, runs one <see cref="RtmpSession"/> each, and keeps a stream
/// key to one publisher at a time (a second is refused with NetStream.Publish.BadName while the first goes on).
/// Connections beyond <see cref="RtmpOptions.MaxConnections"/> are closed as soon as they are accepted. A session's
/// failure is logged and costs that session only. With a certificate it speaks RTMPS (RTMP inside TLS) instead.
/// </summary>
public sealed class RtmpServer : IAsyncDisposable
{
    private readonly RtmpOptions _options;
    private readonly IRtmpPublishAuthorizer _authorizer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<(string App, string Key), byte> _liveKeys = new();
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private int _connections;

    /// <param name="certificate">With one (and its private key), every connection is TLS first: RTMPS.</param>
    /// <exception cref="ValidationException">An option outside its range.</exception>
    public RtmpServer(
        RtmpOptions options,
        IRtmpPublishAuthorizer authorizer,
        ILogger<RtmpServer>? logger = null,
        TimeProvider? time = null,
        X509Certificate2? certificate = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(authorizer);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        if (certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("The RTMPS certificate has no private key.", nameof(certificate));
        }

        _certificate = certificate;
        _options = options;
        _authorizer = authorizer;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Where the server listens, once started (with <see cref="RtmpOptions.Port"/> 0, the port picked).</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndpoint as IPEndPoint;

    public int Connections => Volatile.Read(ref _connections);

    public int LivePublishers => _liveKeys.Count;

    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The RTMP server is already started.");
        }

        var listener = _options.ListenOnAllInterfaces
            ? new TcpListener(IPAddress.IPv6Any, _options.Port) { Server = { DualMode = true } }
            : new TcpListener(IPAddress.Loopback, _options.Port);
        listener.Start(backlog: 64);
        _listener = listener;
        _logger.LogInformation("{Protocol} ingest listening on {EndPoint}", _certificate is null ? "RTMP" : "RTMPS", listener.LocalEndpoint);
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
    }

    /// <summary>Stops listening, ends every session (their publishes end as ServerStopping) and waits for them.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_sessions.Keys).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    internal async ValueTask<RtmpPublishDecision> AuthorizeAsync(RtmpPublishRequest request, CancellationToken ct)
    {
        var slot = (request.App, request.StreamKey);
        if (!_liveKeys.TryAdd(slot, 0))
        {
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.KeyInUse, "This stream key is already being published.");
        }

        try
        {
            var decision = await _authorizer.AuthorizeAsync(request, ct).ConfigureAwait(false);
            if (decision is not RtmpPublishDecision.Accepted)
            {
                _liveKeys.TryRemove(slot, out _);
            }

            return decision;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _liveKeys.TryRemove(slot, out _);
            _logger.LogError(e, "RTMP: the authorizer failed for {App}/{Key}", request.App, RtmpSession.Redact(request.StreamKey));
            return RtmpPublishDecision.Refuse(RtmpRefusalReason.Denied, "The server could not check this stream key.");
        }
        catch
        {
            _liveKeys.TryRemove(slot, out _);
            throw;
        }
    }

    internal void Release(RtmpPublishRequest request) => _liveKeys.TryRemove((request.App, request.StreamKey), out _);

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("RTMP: accept failed: {Error}", e.Message);
                continue;
            }

            if (Interlocked.Increment(ref _connections) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                _logger.LogWarning("RTMP: refusing {Client}: already {Max} connections", socket.RemoteEndPoint, _options.MaxConnections);
                socket.Dispose();
                continue;
            }

            var session = RunSessionAsync(socket, ct);
            _sessions.TryAdd(session, 0);
            _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunSessionAsync(Socket socket, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            socket.NoDelay = true;
            var remote = socket.RemoteEndPoint as IPEndPoint;
            await using var network = new NetworkStream(socket, ownsSocket: true);
            await using var stream = _certificate is null ? network : await AuthenticateAsync(network, remote, ct).ConfigureAwait(false);
            if (stream is null)
            {
                return;
            }

            var session = new RtmpSession(stream, remote, _options, this, _logger, _time);
            await session.RunAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "RTMP: a session ended with an unexpected error");
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
        }
    }

    /// <summary>The TLS handshake, within the RTMP handshake's timeout; null (logged) when it fails.</summary>
    private async Task<Stream?> AuthenticateAsync(NetworkStream network, IPEndPoint? remote, CancellationToken ct)
    {
        var tls = new SslStream(network, leaveInnerStreamOpen: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, timeout.Token)
                .ConfigureAwait(false);
            return tls;
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException
            || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            _logger.LogWarning("RTMPS {Client}: TLS handshake failed: {Error}", remote, e.Message);
            await tls.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }
}
