using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Seeding;

/// <summary>
/// Listens for BitTorrent peers and serves every torrent in the catalog. A busy port is not fatal: HTTP keeps
/// serving and the seeder tries the port again later. On shutdown every connection is closed and awaited, and the
/// seeder is withdrawn from our tracker.
/// </summary>
internal sealed class BitTorrentSeeder(
    SeedingLibrary library,
    SeederState state,
    UploadSlots slots,
    Torrents.TorrentCatalogSignal signal,
    IOptions<SeedingOptions> options,
    IConfiguration configuration,
    TimeProvider clock,
    ILogger<BitTorrentSeeder> log) : BackgroundService
{
    private readonly ConcurrentDictionary<PeerConnection, IPAddress> _connections = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seeding = options.Value;
        if (!seeding.Enabled)
        {
            return;
        }

        await Task.Yield();
        var refreshing = RefreshLoopAsync(seeding, stoppingToken);
        var housekeeping = HousekeepingLoopAsync(seeding, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var listener = TryListen(seeding);
                if (listener is null)
                {
                    await Task.Delay(TimeSpan.FromSeconds(seeding.BindRetrySeconds), clock, stoppingToken);
                    continue;
                }

                try
                {
                    state.SetListening((IPEndPoint)listener.LocalEndpoint);
                    library.AnnounceAll();
                    log.LogInformation("The BitTorrent seeder listens on TCP port {Port}; our tracker hands out {Endpoint}",
                        state.ListeningPort, library.Endpoint());
                    await AcceptLoopAsync(listener, seeding, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "The BitTorrent seeder stopped accepting peers; it will listen again in {Seconds} s", seeding.BindRetrySeconds);
                }
                finally
                {
                    listener.Stop();
                    state.SetListening(null);
                }

                await Task.Delay(TimeSpan.FromSeconds(seeding.BindRetrySeconds), clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            foreach (var connection in _connections.Keys)
            {
                connection.Abort("the server is stopping");
            }

            await Task.WhenAll(_connections.Keys.Select(c => c.Completion).Append(refreshing).Append(housekeeping));
            library.WithdrawAll();
        }
    }

    private TcpListener? TryListen(SeedingOptions seeding)
    {
        var address = seeding.ResolveListenAddress(configuration);
        var listener = new TcpListener(address, seeding.Port);
        if (address.Equals(IPAddress.IPv6Any))
        {
            listener.Server.DualMode = true;
        }

        try
        {
            listener.Start(backlog: 128);
            return listener;
        }
        catch (SocketException e)
        {
            listener.Server.Dispose();
            log.LogWarning("The BitTorrent seeder cannot listen on {Address}:{Port} ({Reason}); it will try again in {Seconds} s. "
                + "Videos are still served over HTTP. Set Seeding:Port to a free port, or Seeding:Enabled to false.",
                address, seeding.Port, e.Message, seeding.BindRetrySeconds);
            return null;
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, SeedingOptions seeding, CancellationToken ct)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue;
            }

            if (_connections.Count >= seeding.MaxConnections)
            {
                log.LogDebug("Refusing peer {Peer}: {Max} connections already", socket.RemoteEndPoint, seeding.MaxConnections);
                socket.Dispose();
                continue;
            }

            var ip = ClientKey(socket.RemoteEndPoint);
            if (ip is not null && _connections.Values.Count(v => v.Equals(ip)) >= seeding.MaxConnectionsPerIp)
            {
                log.LogDebug("Refusing peer {Peer}: {Max} connections from its address already", socket.RemoteEndPoint, seeding.MaxConnectionsPerIp);
                socket.Dispose();
                continue;
            }

            PeerConnection connection;
            try
            {
                connection = new PeerConnection(socket, library, state, slots, seeding, clock, log, ct);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose(); // gone before we got to it
                continue;
            }

            _connections.TryAdd(connection, ip ?? IPAddress.None);
            connection.Start(closed => _connections.TryRemove(closed, out _));
        }
    }

    /// <summary>The IPv4 address, or the IPv6 /64, a peer connects from.</summary>
    private static IPAddress? ClientKey(EndPoint? endpoint)
    {
        if (endpoint is not IPEndPoint { Address: var ip })
        {
            return null;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            return ip.MapToIPv4();
        }

        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return ip;
        }

        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    private async Task RefreshLoopAsync(SeedingOptions seeding, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                try
                {
                    await library.RefreshAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    log.LogWarning(e, "Reading the torrent catalog failed; will try again");
                }

                await signal.WaitAsync(TimeSpan.FromSeconds(seeding.CatalogRefreshSeconds), clock, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    /// <summary>Once a second: idle peers go, quiet connections get a keep-alive; every rotation interval the slots turn.</summary>
    private async Task HousekeepingLoopAsync(SeedingOptions seeding, CancellationToken ct)
    {
        var idleTimeout = TimeSpan.FromSeconds(seeding.IdleTimeoutSeconds);
        var lastRotation = clock.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                foreach (var connection in _connections.Keys)
                {
                    connection.CheckTimers(idleTimeout);
                }

                if (clock.GetElapsedTime(lastRotation) >= UploadSlots.RotationInterval)
                {
                    lastRotation = clock.GetTimestamp();
                    slots.Rotate();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
