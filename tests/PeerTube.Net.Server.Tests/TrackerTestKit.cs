using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Features.Videos;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// A server whose tracker runs on a clock the test moves, with a published video whose renditions have known
/// info-hashes. Requests come from whatever client IP the test says, as they would from many machines.
/// </summary>
public sealed class TrackerServer : IAsyncDisposable
{
    private TrackerServer(ServerApplication server, WebApplicationFactory<Program> tracker, ShiftedClock clock, IReadOnlyList<byte[]> known)
    {
        Server = server;
        Tracker = tracker;
        Clock = clock;
        Known = known;
    }

    public ServerApplication Server { get; }

    /// <summary>The same server (same database and storage) with the test's clock; every tracker request goes here.</summary>
    public WebApplicationFactory<Program> Tracker { get; }

    public ShiftedClock Clock { get; }

    /// <summary>Info-hashes of published renditions, one per test so swarms never mix.</summary>
    public IReadOnlyList<byte[]> Known { get; }

    public static async Task<TrackerServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, int knownTorrents = 12)
    {
        var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, settings);
        var clock = new ShiftedClock();
        var tracker = server.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        _ = tracker.Server;
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var known = await PublishTorrentsAsync(server, await root.MyChannelIdAsync(), knownTorrents);
        return new TrackerServer(server, tracker, clock, known);
    }

    /// <summary>
    /// A published video whose renditions carry these info-hashes, written straight to the database. The hashes hold
    /// bytes that must survive the trip: 0x00, 0x80, 0xFF, '+', '%', '&amp;' and '='.
    /// </summary>
    private static async Task<IReadOnlyList<byte[]>> PublishTorrentsAsync(ServerApplication server, int channelId, int count)
    {
        var hashes = Enumerable.Range(0, count).Select(i =>
        {
            var hash = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);
            byte[] awkward = [0x00, 0x80, 0xFF, (byte)'+', (byte)'%', (byte)'&', (byte)'='];
            awkward.CopyTo(hash, 0);
            hash[19] = (byte)i;
            return hash;
        }).ToList();

        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = DateTimeOffset.UtcNow;
        db.Videos.Add(new Video
        {
            Uuid = Guid.NewGuid(),
            Name = "Tracked video",
            ChannelId = channelId,
            State = VideoState.Published,
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = now,
            StreamingPlaylist = new VideoStreamingPlaylist
            {
                PlaylistFilename = "master.m3u8",
                SegmentsSha256Filename = "segments-sha256.json",
                Files = hashes.Select((hash, i) => new VideoFile
                {
                    Resolution = 144 + i,
                    Filename = $"rendition-{i}.mp4",
                    PlaylistFilename = $"rendition-{i}.m3u8",
                    InfoHash = Convert.ToHexStringLower(hash),
                }).ToList(),
            },
        });
        await db.SaveChangesAsync();
        return hashes;
    }

    /// <summary>GET /tracker/announce from <paramref name="ip"/>; the body must be a bencoded dictionary with status 200.</summary>
    public async Task<BDictionary> AnnounceAsync(IPAddress ip, string query) => await GetBencodedAsync(ip, "/tracker/announce", query);

    public async Task<BDictionary> AnnounceAsync(IPAddress ip, byte[] infoHash, byte[] peerId, int port, string extra = "") =>
        await AnnounceAsync(ip, $"info_hash={Escape(infoHash)}&peer_id={Escape(peerId)}&port={port}&uploaded=0&downloaded=0{extra}");

    public async Task<BDictionary> ScrapeAsync(IPAddress ip, params byte[][] infoHashes) =>
        await GetBencodedAsync(ip, "/tracker/scrape", string.Join("&", infoHashes.Select(h => "info_hash=" + Escape(h))));

    public async Task<BDictionary> GetBencodedAsync(IPAddress ip, string path, string query)
    {
        var context = await Tracker.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = path;
            c.Request.QueryString = new QueryString("?" + query);
            c.Connection.RemoteIpAddress = ip;
        });
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("text/plain", context.Response.ContentType);
        using var body = new MemoryStream();
        await context.Response.Body.CopyToAsync(body);
        return Assert.IsType<BDictionary>(Bencode.Decode(body.ToArray()));
    }

    /// <summary>Opens /tracker/socket from <paramref name="ip"/> as a WebTorrent client does.</summary>
    public async Task<WebTorrentClient> ConnectAsync(IPAddress ip)
    {
        var client = Tracker.Server.CreateWebSocketClient();
        client.ConfigureRequest = r => r.HttpContext.Connection.RemoteIpAddress = ip;
        var socket = await client.ConnectAsync(new Uri("ws://localhost/tracker/socket"), TestContext.Current.CancellationToken);
        return new WebTorrentClient(socket);
    }

    /// <summary>An HTTP client of the tracker's host, signed in with a token from the same database.</summary>
    public HttpClient ClientFor(PeerTubeClient user)
    {
        var http = Tracker.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization is { } auth
            ? new AuthenticationHeaderValue(auth.Scheme, auth.Parameter)
            : null;
        return http;
    }

    public T Service<T>() where T : notnull => Tracker.Services.GetRequiredService<T>();

    public static byte[] PeerId(string name) => Encoding.ASCII.GetBytes(("-PT0001-" + name).PadRight(20, '.')[..20]);

    /// <summary>Percent-encodes as BitTorrent clients do: unreserved characters as they are, every other byte as %XX.</summary>
    public static string Escape(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes)
        {
            if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>BEP 23 / BEP 7 compact peers: address bytes then a big-endian port.</summary>
    public static List<IPEndPoint> Compact(BValue? peers, int addressLength)
    {
        var bytes = Assert.IsType<BString>(peers).Bytes.ToArray();
        Assert.Equal(0, bytes.Length % (addressLength + 2));
        return bytes.Chunk(addressLength + 2)
            .Select(p => new IPEndPoint(new IPAddress(p[..addressLength]), BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(addressLength))))
            .ToList();
    }

    public static long Integer(BDictionary dictionary, string key) => Assert.IsType<BInteger>(dictionary[key]).Value;

    public static string Text(BDictionary dictionary, string key) => Assert.IsType<BString>(dictionary[key]).Text;

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>One tracker server shared by a test class (each test keeps to its own info-hash and client IPs).</summary>
public abstract class TrackerFixture(IReadOnlyDictionary<string, string?> settings) : IAsyncLifetime
{
    public TrackerServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TrackerServer.StartAsync(settings);

    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Small limits, so bounds are reached with a handful of requests.</summary>
public sealed class HttpTrackerFixture() : TrackerFixture(new Dictionary<string, string?>
{
    ["Tracker:MaxPeersPerResponse"] = "4",
    ["Tracker:AnnouncesPerIpPerMinute"] = "30",
});

public sealed class WebSocketTrackerFixture() : TrackerFixture(new Dictionary<string, string?>
{
    ["Tracker:SocketMessagesPerMinute"] = "20",
    ["Tracker:MaxSocketMessageBytes"] = "8192",
});

/// <summary>System time plus an offset the test moves forward; timers still run on real time.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _shiftTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);

    /// <summary>Moves to one second into the next minute, so a burst of requests stays within one per-minute window.</summary>
    public void AdvanceToNextMinute()
    {
        var now = GetUtcNow();
        Advance(TimeSpan.FromSeconds(61 - now.Second) - TimeSpan.FromMilliseconds(now.Millisecond));
    }
}

/// <summary>The WebTorrent side of /tracker/socket: JSON messages with ids as 20-character binary strings.</summary>
public sealed class WebTorrentClient(WebSocket socket) : IDisposable
{
    public WebSocket Socket { get; } = socket;

    public async Task SendAsync(object message) => await SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(message));

    public async Task SendRawAsync(byte[] message) =>
        await Socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    public async Task AnnounceAsync(byte[] infoHash, byte[] peerId, object[]? offers = null, string? @event = "started", long left = 1000) =>
        await SendAsync(new Dictionary<string, object?>
        {
            ["action"] = "announce",
            ["info_hash"] = Binary(infoHash),
            ["peer_id"] = Binary(peerId),
            ["numwant"] = offers?.Length ?? 0,
            ["uploaded"] = 0,
            ["downloaded"] = 0,
            ["left"] = left,
            ["event"] = @event,
            ["offers"] = offers ?? [],
        });

    /// <summary>The next message, or null once the server closed the connection.</summary>
    public async Task<JsonElement?> ReceiveAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult frame;
        do
        {
            frame = await Socket.ReceiveAsync(buffer, timeout.Token);
            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            message.Write(buffer, 0, frame.Count);
        }
        while (!frame.EndOfMessage);

        return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
    }

    public async Task<JsonElement> ReceiveMessageAsync() => await ReceiveAsync() ?? throw new Xunit.Sdk.XunitException("The tracker closed the socket.");

    public static string Binary(byte[] bytes) => new(bytes.Select(b => (char)b).ToArray());

    public static byte[] Bytes(JsonElement text) => text.GetString()!.Select(c => checked((byte)c)).ToArray();

    public void Dispose() => Socket.Dispose();
}
