using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Tracker;

/// <summary>
/// The WebTorrent tracker protocol, as bittorrent-tracker speaks it (PeerTube's player connects through p2p-media-loader):
/// JSON messages whose info_hash and peer_id are 20-character "binary strings" (one character per byte). An announce
/// carries WebRTC offers, each forwarded to one other peer of the swarm; a peer's answer is relayed back to the offerer.
/// </summary>
internal sealed class WebSocketTracker(
    SwarmStore store,
    TrackerGate gate,
    IOptions<TrackerOptions> options,
    TimeProvider clock,
    IHostApplicationLifetime lifetime)
{
    /// <summary>Torrents one connection may take part in (a browser tab watches one video).</summary>
    private const int MaxSwarmsPerSocket = 100;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 16 };
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<IPAddress, int> _openPerIp = new();
    private int _open;

    public int OpenSockets => Volatile.Read(ref _open);

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            return ApiProblem.BadRequest("This is the WebTorrent tracker: connect with a WebSocket.");
        }

        var ip = TrackerGate.RemoteIp(http);
        if (gate.IsBlocked(ip))
        {
            return ApiProblem.Forbidden("Your IP is temporarily blocked by this tracker.");
        }

        if (!gate.TryCountRequest(ip))
        {
            return new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many requests from your IP, slow down.", "too_many_requests");
        }

        var ipKey = TrackerGate.ClientKey(ip);
        if (_openPerIp.AddOrUpdate(ipKey, 1, (_, n) => n + 1) > options.Value.MaxSocketsPerIp)
        {
            ReleaseIp(ipKey);
            return new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many open tracker connections from your IP.", "too_many_requests");
        }

        try
        {
            return await RunSocketAsync(http, ip);
        }
        finally
        {
            ReleaseIp(ipKey);
        }
    }

    /// <summary>Open sockets of one client IP (IPv6: its /64).</summary>
    public int OpenSocketsOf(IPAddress ip) => _openPerIp.TryGetValue(TrackerGate.ClientKey(ip), out var n) ? n : 0;

    private void ReleaseIp(IPAddress ipKey)
    {
        // Decrement, and forget the IP at zero so the map holds only IPs with open sockets.
        while (true)
        {
            var current = _openPerIp.GetValueOrDefault(ipKey);
            if (current <= 1)
            {
                if (_openPerIp.TryRemove(new KeyValuePair<IPAddress, int>(ipKey, current)) || !_openPerIp.ContainsKey(ipKey))
                {
                    return;
                }
            }
            else if (_openPerIp.TryUpdate(ipKey, current - 1, current))
            {
                return;
            }
        }
    }

    private async Task<IResult> RunSocketAsync(HttpContext http, IPAddress ip)
    {
        using var ws = await http.WebSockets.AcceptWebSocketAsync();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        // A client that does not read what is relayed to it is closed, not buffered for.
        var socket = new TrackerSocket(ip, options.Value.MaxSocketOutboxBytes, ws.Abort);
        Interlocked.Increment(ref _open);
        var pump = socket.PumpAsync(ws, stopping.Token);
        var close = (Status: WebSocketCloseStatus.NormalClosure, Reason: "");
        try
        {
            close = await ReceiveAsync(ws, socket, stopping.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away, stayed silent past the peer lifetime, or the server is stopping.
        }
        finally
        {
            foreach (var (infoHash, peerIdHex) in socket.Memberships)
            {
                store.RemoveSocketPeer(infoHash, peerIdHex, socket);
            }

            socket.Close();
            await CloseAsync(ws, pump, close.Status, close.Reason);
            Interlocked.Decrement(ref _open);
        }

        return Results.Empty;
    }

    private async Task<(WebSocketCloseStatus Status, string Reason)> ReceiveAsync(WebSocket ws, TrackerSocket socket, CancellationToken ct)
    {
        var limits = options.Value;
        var message = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            if (message.Capacity > 64 * 1024)
            {
                // One large message should not pin its buffer for the life of the connection.
                message = new ArrayBufferWriter<byte>(4096);
            }

            message.ResetWrittenCount();
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                // A WebTorrent client re-announces every interval; one that stops talking is gone.
                idle.CancelAfter(TimeSpan.FromSeconds(limits.PeerTtlSeconds));
                ValueWebSocketReceiveResult frame;
                do
                {
                    frame = await ws.ReceiveAsync(message.GetMemory(4096), idle.Token);
                    if (frame.MessageType == WebSocketMessageType.Close)
                    {
                        return (WebSocketCloseStatus.NormalClosure, "");
                    }

                    message.Advance(frame.Count);
                    if (message.WrittenCount > limits.MaxSocketMessageBytes)
                    {
                        return (WebSocketCloseStatus.MessageTooBig, "Message too big.");
                    }
                }
                while (!frame.EndOfMessage);
            }

            if (!socket.CountMessage(clock.GetUtcNow(), limits.SocketMessagesPerMinute))
            {
                socket.Send(Json(w => w.WriteString("failure reason", "Too many messages, slow down.")));
                return (WebSocketCloseStatus.PolicyViolation, "Too many messages.");
            }

            if (!await HandleMessageAsync(message.WrittenMemory, socket, ct))
            {
                return (WebSocketCloseStatus.PolicyViolation, "Unknown info-hash.");
            }
        }
    }

    /// <summary>Handles one message; false when the connection must end.</summary>
    private async Task<bool> HandleMessageAsync(ReadOnlyMemory<byte> message, TrackerSocket socket, CancellationToken ct)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message, ParseOptions);
        }
        catch (JsonException)
        {
            socket.Send(Json(w => w.WriteString("failure reason", "Invalid JSON.")));
            return true;
        }

        using (document)
        {
            var root = document.RootElement;
            var action = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String
                ? a.GetString()
                : null;
            try
            {
                switch (action)
                {
                    case "announce":
                        return await AnnounceAsync(root, socket, ct);
                    case "scrape":
                        Scrape(root, socket);
                        return true;
                    default:
                        socket.Send(Json(w => w.WriteString("failure reason", $"invalid action in WS request: {action}")));
                        return true;
                }
            }
            catch (InvalidOperationException)
            {
                // A string that is not valid UTF-16 (a lone surrogate), read where text was expected.
                socket.Send(Failure(action ?? "announce", null, "Invalid message."));
                return true;
            }
        }
    }

    private async Task<bool> AnnounceAsync(JsonElement message, TrackerSocket socket, CancellationToken ct)
    {
        var limits = options.Value;
        if (BinaryString(message, "info_hash") is not { } infoHash)
        {
            socket.Send(Failure("announce", null, "invalid info_hash"));
            return true;
        }

        if (BinaryString(message, "peer_id") is not { } peerId)
        {
            socket.Send(Failure("announce", infoHash, "invalid peer_id"));
            return true;
        }

        JsonElement? answer = message.TryGetProperty("answer", out var a) && a.ValueKind is not JsonValueKind.Null ? a : null;
        var toPeerId = BinaryString(message, "to_peer_id");
        if (answer is not null && toPeerId is null)
        {
            socket.Send(Failure("announce", infoHash, "invalid `to_peer_id` (required with `answer`)"));
            return true;
        }

        if (ParseEvent(message) is not { } announceEvent)
        {
            socket.Send(Failure("announce", infoHash, "invalid event"));
            return true;
        }

        var hash = Convert.ToHexStringLower(infoHash);
        if (!await gate.IsTrackedAsync(hash, ct))
        {
            // As PeerTube does: say why, end the connection and keep the IP out for a while.
            socket.Send(Failure("announce", infoHash, $"Unknown infoHash {hash} requested by ip {socket.RemoteIp}"));
            gate.BlockForUnknownHash(socket.RemoteIp, hash);
            return false;
        }

        var membership = (hash, Convert.ToHexStringLower(peerId));
        if (announceEvent != AnnounceEvent.Stopped && !socket.Memberships.Contains(membership))
        {
            if (socket.Memberships.Count >= MaxSwarmsPerSocket)
            {
                socket.Send(Failure("announce", infoHash, "Too many torrents on one connection."));
                return true;
            }

            if (socket.Memberships.Count(m => m.InfoHash == hash) >= limits.MaxPeerIdsPerSocketPerSwarm)
            {
                socket.Send(Failure("announce", infoHash, "Too many peer ids in this swarm on one connection."));
                return true;
            }
        }

        var offers = Offers(message, limits.MaxPeersPerResponse);
        var numWant = Math.Min(offers.Count, ReadLong(message, "numwant") is { } n ? (int)Math.Clamp(n, 0, int.MaxValue) : offers.Count);
        var outcome = store.Announce(new AnnounceRequest(hash, peerId, PeerTransport.WebSocket, null, socket, ReadLong(message, "left"),
            announceEvent, announceEvent == AnnounceEvent.Stopped ? 0 : numWant));
        if (outcome.Failure is { } failure)
        {
            socket.Send(Failure("announce", infoHash, failure));
            return true;
        }

        if (announceEvent == AnnounceEvent.Stopped)
        {
            socket.Memberships.Remove(membership);
        }
        else
        {
            socket.Memberships.Add(membership);
        }

        socket.Send(Json(w =>
        {
            w.WriteString("action", "announce");
            w.WriteNumber("interval", limits.AnnounceIntervalSeconds);
            w.WriteString("info_hash", ToBinaryString(infoHash));
            w.WriteNumber("complete", outcome.Complete);
            w.WriteNumber("incomplete", outcome.Incomplete);
        }));

        for (var i = 0; i < outcome.Peers.Count; i++)
        {
            var offer = offers[i];
            outcome.Peers[i].Socket?.Send(Json(w =>
            {
                w.WriteString("action", "announce");
                w.WritePropertyName("offer");
                offer.Offer.WriteTo(w);
                w.WritePropertyName("offer_id");
                offer.OfferId.WriteTo(w);
                w.WriteString("peer_id", ToBinaryString(peerId));
                w.WriteString("info_hash", ToBinaryString(infoHash));
            }));
        }

        if (answer is { } reply && store.FindSocket(hash, Convert.ToHexStringLower(toPeerId!)) is { } offerer)
        {
            var offerId = message.TryGetProperty("offer_id", out var id) ? id : default;
            offerer.Send(Json(w =>
            {
                w.WriteString("action", "announce");
                w.WritePropertyName("answer");
                reply.WriteTo(w);
                if (offerId.ValueKind != JsonValueKind.Undefined)
                {
                    w.WritePropertyName("offer_id");
                    offerId.WriteTo(w);
                }

                w.WriteString("peer_id", ToBinaryString(peerId));
                w.WriteString("info_hash", ToBinaryString(infoHash));
            }));
        }

        return true;
    }

    private void Scrape(JsonElement message, TrackerSocket socket)
    {
        var hashes = new List<byte[]>();
        if (message.TryGetProperty("info_hash", out var value))
        {
            var items = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : [value];
            foreach (var item in items.Take(HttpTracker.MaxScrapeHashes + 1))
            {
                if (ToBytes(item) is not { } hash)
                {
                    socket.Send(Failure("scrape", null, "invalid info_hash"));
                    return;
                }

                hashes.Add(hash);
            }
        }

        if (hashes.Count == 0 || hashes.Count > HttpTracker.MaxScrapeHashes)
        {
            socket.Send(Failure("scrape", null, $"Give between 1 and {HttpTracker.MaxScrapeHashes} info_hash values: this tracker does not list its torrents."));
            return;
        }

        hashes = hashes.DistinctBy(Convert.ToHexStringLower).ToList();
        var counts = store.Scrape(hashes.Select(Convert.ToHexStringLower).ToList());
        socket.Send(Json(w =>
        {
            w.WriteString("action", "scrape");
            w.WriteStartObject("files");
            for (var i = 0; i < hashes.Count; i++)
            {
                w.WriteStartObject(ToBinaryString(hashes[i]));
                w.WriteNumber("complete", counts[i].Complete);
                w.WriteNumber("incomplete", counts[i].Incomplete);
                w.WriteNumber("downloaded", counts[i].Downloaded);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    /// <summary>Lets the outbox drain (a failure reason must reach the client), then closes; aborts what does not finish in time.</summary>
    private static async Task CloseAsync(WebSocket ws, Task pump, WebSocketCloseStatus status, string reason)
    {
        try
        {
            await pump.WaitAsync(CloseTimeout);
            if (ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseTimeout);
                await ws.CloseOutputAsync(status, reason, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException)
        {
            ws.Abort();
        }
    }

    private sealed record RelayedOffer(JsonElement Offer, JsonElement OfferId);

    private static List<RelayedOffer> Offers(JsonElement message, int max) =>
        message.TryGetProperty("offers", out var offers) && offers.ValueKind == JsonValueKind.Array
            ? offers.EnumerateArray()
                .Where(o => o.ValueKind == JsonValueKind.Object && o.TryGetProperty("offer", out _) && o.TryGetProperty("offer_id", out _))
                .Take(max)
                .Select(o => new RelayedOffer(o.GetProperty("offer"), o.GetProperty("offer_id")))
                .ToList()
            : [];

    private static AnnounceEvent? ParseEvent(JsonElement message) =>
        (message.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null) switch
        {
            null or "" or "update" => AnnounceEvent.Update,
            "started" => AnnounceEvent.Started,
            "completed" => AnnounceEvent.Completed,
            "stopped" => AnnounceEvent.Stopped,
            _ => null,
        };

    /// <summary>A number the client may send as a JSON number or a numeric string; null when absent or not a number.</summary>
    private static long? ReadLong(JsonElement message, string name)
    {
        if (!message.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var l) => Math.Max(0, l),
            JsonValueKind.Number when value.TryGetDouble(out var d) && double.IsFinite(d) => (long)Math.Clamp(d, 0, long.MaxValue),
            JsonValueKind.String when long.TryParse(value.GetString(), System.Globalization.CultureInfo.InvariantCulture, out var s) => Math.Max(0, s),
            _ => null,
        };
    }

    private static byte[]? BinaryString(JsonElement message, string name) =>
        message.TryGetProperty(name, out var value) ? ToBytes(value) : null;

    /// <summary>A 20-character string whose characters are bytes (U+0000–U+00FF), as bittorrent-tracker's clients send ids.</summary>
    private static byte[]? ToBytes(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: 20 } text)
        {
            return null;
        }

        var bytes = new byte[20];
        for (var i = 0; i < 20; i++)
        {
            if (text[i] > 0xFF)
            {
                return null;
            }

            bytes[i] = (byte)text[i];
        }

        return bytes;
    }

    private static string ToBinaryString(byte[] bytes) => string.Create(bytes.Length, bytes, (chars, b) =>
    {
        for (var i = 0; i < b.Length; i++)
        {
            chars[i] = (char)b[i];
        }
    });

    private static byte[] Failure(string action, byte[]? infoHash, string reason) => Json(w =>
    {
        w.WriteString("action", action);
        w.WriteString("failure reason", reason);
        if (infoHash is not null)
        {
            w.WriteString("info_hash", ToBinaryString(infoHash));
        }
    });

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
