using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Videos;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The swarm hub (/hubs/swarm, docs/p2p-contract.md) with the real .NET SignalR client over long polling, against
/// videos written straight to the database (the hub only needs their rows, not their media).
/// </summary>
public sealed class SwarmHubTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;
    private Guid _public;
    private Guid _other;
    private Guid _private;
    private Guid _quiet;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "swarmowner");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "swarmstranger");
        var channel = await _root.MyChannelIdAsync();
        _public = await AddVideoAsync(channel, "Shared by peers", VideoPrivacy.Public, [720, 480, 240, 0]);
        _other = await AddVideoAsync(channel, "Another one", VideoPrivacy.Unlisted, [360, 144]);
        _private = await AddVideoAsync(await _owner.MyChannelIdAsync(), "Only mine", VideoPrivacy.Private, [360]);
        _quiet = await AddVideoAsync(channel, "Left alone", VideoPrivacy.Internal, [144]);
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        _stranger.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Join_hands_out_other_peers_and_Leave_takes_the_peer_out()
    {
        var swarm = (await SwarmsAsync(_public))[0];
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        await using var third = await ConnectAsync();

        var a = await JoinAsync(first, swarm);
        Assert.Empty(a.Peers);
        Assert.Matches("^[0-9a-f]{20}$", a.PeerId);
        Assert.NotEqual(first.ConnectionId, a.PeerId);
        var b = await JoinAsync(second, swarm);
        Assert.Equal([a.PeerId], b.Peers);
        var c = await JoinAsync(third, swarm);
        Assert.Equal(new[] { a.PeerId, b.PeerId }.Order(), c.Peers.Order());

        // Joining again keeps the peer id; peer ids differ from swarm to swarm.
        Assert.Equal(a.PeerId, (await JoinAsync(first, swarm)).PeerId);
        Assert.NotEqual(a.PeerId, (await JoinAsync(first, (await SwarmsAsync(_public))[1])).PeerId);

        await second.InvokeAsync("Leave", swarm, Ct);
        await using var fourth = await ConnectAsync();
        var d = await JoinAsync(fourth, swarm);
        Assert.Equal(new[] { a.PeerId, c.PeerId }.Order(), d.Peers.Order());
    }

    [Fact]
    public async Task Join_hands_out_a_bounded_random_selection()
    {
        var swarm = (await SwarmsAsync(_other))[1];
        var hubs = new List<HubConnection>();
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var hub = await ConnectAsync();
                hubs.Add(hub);
                ids.Add((await JoinAsync(hub, swarm)).PeerId);
            }

            var last = await ConnectAsync();
            hubs.Add(last);
            var joined = await JoinAsync(last, swarm);
            Assert.Equal(10, joined.Peers.Count);
            Assert.Equal(10, joined.Peers.Distinct().Count());
            Assert.Subset(ids.ToHashSet(), joined.Peers.ToHashSet());
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Join_hands_out_peers_with_free_slots_first()
    {
        var swarm = (await SwarmsAsync(_other))[0];
        var hubs = new List<HubConnection>();
        try
        {
            // Twelve peers, of which ten say they are full and two that they have room: a newcomer, handed ten, must get
            // both peers with room, whatever the random pick among the full ones.
            var ids = new List<string>();
            var open = new List<string>();
            for (var i = 0; i < 12; i++)
            {
                var hub = await ConnectAsync();
                hubs.Add(hub);
                ids.Add((await JoinAsync(hub, swarm)).PeerId);
                await hub.InvokeAsync("ReportSlots", swarm, i % 6 == 0 ? 3 : 0, Ct);
                if (i % 6 == 0)
                {
                    open.Add(ids[i]);
                }
            }

            for (var round = 0; round < 3; round++)
            {
                var late = await ConnectAsync();
                hubs.Add(late);
                var joined = await JoinAsync(late, swarm);
                Assert.Equal(10, joined.Peers.Count);
                Assert.Equal(open.Order(), joined.Peers.Take(open.Count).Order());
                // A newcomer has room (it said nothing yet), so it comes before the full ones for the next.
                open.Add(joined.PeerId);
            }

            // A peer that fills up goes behind; one that frees a slot comes back first.
            await hubs[0].InvokeAsync("ReportSlots", swarm, 0, Ct);
            await hubs[1].InvokeAsync("ReportSlots", swarm, 1, Ct);
            open.Remove(ids[0]);
            open.Add(ids[1]);
            await using var last = await ConnectAsync();
            var again = (await JoinAsync(last, swarm)).Peers;
            Assert.Equal(open.Order(), again.Take(open.Count).Order());
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Slots_are_reported_only_for_a_joined_swarm_and_within_bounds()
    {
        var swarms = await SwarmsAsync(_public);
        await using var member = await ConnectAsync();
        await using var outsider = await ConnectAsync();
        await JoinAsync(member, swarms[0]);

        await member.InvokeAsync("ReportSlots", swarms[0], 0, Ct);
        await member.InvokeAsync("ReportSlots", swarms[0], 10, Ct);
        // The caller's own peer only: a connection that did not join that swarm has no peer there to speak for.
        await AssertRefusedAsync("not in swarm", outsider.InvokeAsync("ReportSlots", swarms[0], 3, Ct));
        await AssertRefusedAsync("not in swarm", member.InvokeAsync("ReportSlots", swarms[1], 3, Ct));
        await AssertRefusedAsync("not in swarm", member.InvokeAsync("ReportSlots", "not-a-swarm", 3, Ct));
        await AssertRefusedAsync("invalid slots", member.InvokeAsync("ReportSlots", swarms[0], -1, Ct));
        await AssertRefusedAsync("invalid slots", member.InvokeAsync("ReportSlots", swarms[0], 11, Ct));
        await AssertRefusedAsync("invalid slots", member.InvokeAsync("ReportSlots", swarms[0], int.MaxValue, Ct));

        // After leaving, the swarm is not the connection's any more.
        await member.InvokeAsync("Leave", swarms[0], Ct);
        await AssertRefusedAsync("not in swarm", member.InvokeAsync("ReportSlots", swarms[0], 3, Ct));
    }

    [Fact]
    public async Task A_full_peer_answers_an_offer_with_full_within_the_swarm_only()
    {
        var swarms = await SwarmsAsync(_public);
        await using var joiner = await ConnectAsync();
        await using var full = await ConnectAsync();
        await using var outsider = await ConnectAsync();
        var signals = Collect(joiner);
        var j = await JoinAsync(joiner, swarms[2]);
        var f = await JoinAsync(full, swarms[2]);
        await JoinAsync(outsider, swarms[1]);

        await full.InvokeAsync("Signal", swarms[2], j.PeerId, "full", JsonSerializer.SerializeToElement(new { }), Ct);
        var relayed = await signals.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal((swarms[2], f.PeerId, "full"), (relayed.SwarmId, relayed.FromPeerId, relayed.Kind));
        await AssertRefusedAsync("peer not in swarm", outsider.InvokeAsync("Signal", swarms[2], j.PeerId, "full", JsonSerializer.SerializeToElement(new { }), Ct));
        await AssertRefusedAsync("peer not in swarm", outsider.InvokeAsync("Signal", swarms[1], j.PeerId, "full", JsonSerializer.SerializeToElement(new { }), Ct));
    }

    [Fact]
    public async Task Signals_are_relayed_only_between_peers_of_one_swarm()
    {
        var swarms = await SwarmsAsync(_public);
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        await using var outsider = await ConnectAsync();
        var signals = Collect(first);
        var outsiderSignals = Collect(outsider);
        var a = await JoinAsync(first, swarms[0]);
        var b = await JoinAsync(second, swarms[0]);
        var o = await JoinAsync(outsider, swarms[2]);

        var offer = JsonSerializer.SerializeToElement(new { type = "offer", sdp = "v=0\r\n" });
        await second.InvokeAsync("Signal", swarms[0], a.PeerId, "offer", offer, Ct);
        var relayed = await signals.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal((swarms[0], b.PeerId, "offer"), (relayed.SwarmId, relayed.FromPeerId, relayed.Kind));
        Assert.Equal("v=0\r\n", relayed.Payload.GetProperty("sdp").GetString());
        await first.InvokeAsync("Signal", swarms[0], b.PeerId, "candidate", JsonSerializer.SerializeToElement("candidate:1 1 udp 1 10.0.0.1 9 typ host"), Ct);

        // Another swarm's peer can neither reach into this swarm nor be reached from it, and a made-up peer id goes nowhere.
        await AssertRefusedAsync("peer not in swarm", outsider.InvokeAsync("Signal", swarms[0], a.PeerId, "offer", offer, Ct));
        await AssertRefusedAsync("peer not in swarm", outsider.InvokeAsync("Signal", swarms[2], a.PeerId, "offer", offer, Ct));
        await AssertRefusedAsync("peer not in swarm", first.InvokeAsync("Signal", swarms[0], o.PeerId, "offer", offer, Ct));
        await AssertRefusedAsync("peer not in swarm", first.InvokeAsync("Signal", swarms[0], Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)),
            "offer", offer, Ct));
        await AssertRefusedAsync("peer not in swarm", first.InvokeAsync("Signal", swarms[0], a.PeerId, "offer", offer, Ct));
        await AssertRefusedAsync("invalid kind", first.InvokeAsync("Signal", swarms[0], b.PeerId, "bye", offer, Ct));

        // Once gone, a peer cannot be signalled any more.
        await second.InvokeAsync("Leave", swarms[0], Ct);
        await AssertRefusedAsync("peer not in swarm", first.InvokeAsync("Signal", swarms[0], b.PeerId, "offer", offer, Ct));
        Assert.False(outsiderSignals.TryRead(out _));
        Assert.False(signals.TryRead(out _));
    }

    [Fact]
    public async Task Unknown_swarms_and_private_videos_swarms_are_refused_to_strangers()
    {
        await using var anonymous = await ConnectAsync();
        await AssertRefusedAsync("unknown swarm", anonymous.InvokeAsync<JsonElement>("Join", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20)), Ct));
        await AssertRefusedAsync("unknown swarm", anonymous.InvokeAsync<JsonElement>("Join", "not a swarm", Ct));

        var privateSwarm = Assert.Single(await SwarmsAsync(_private, _owner));
        await AssertRefusedAsync("not allowed", anonymous.InvokeAsync<JsonElement>("Join", privateSwarm, Ct));
        await using var stranger = await ConnectAsync(Token(_stranger));
        await AssertRefusedAsync("not allowed", stranger.InvokeAsync<JsonElement>("Join", privateSwarm, Ct));
        await using var forged = await ConnectAsync(query: "?videoFileToken=" + Uri.EscapeDataString(_private.ToString("N") + ".9999999999.00"));
        await AssertRefusedAsync("not allowed", forged.InvokeAsync<JsonElement>("Join", privateSwarm, Ct));

        await using var owner = await ConnectAsync(Token(_owner));
        Assert.Empty((await JoinAsync(owner, privateSwarm)).Peers);
        var token = _server.Services.GetRequiredService<VideoFileTokens>().Create(_private).Token;
        await using var withToken = await ConnectAsync(query: "?videoFileToken=" + Uri.EscapeDataString(token));
        Assert.Single((await JoinAsync(withToken, privateSwarm)).Peers);
    }

    [Fact]
    public async Task Payloads_swarms_per_connection_and_message_sizes_are_limited()
    {
        var swarms = (await SwarmsAsync(_public)).Concat(await SwarmsAsync(_other)).ToList();
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        var a = await JoinAsync(first, swarms[0]);
        await JoinAsync(second, swarms[0]);

        var big = JsonSerializer.SerializeToElement(new string('x', 20 * 1024));
        await AssertRefusedAsync("payload too large", second.InvokeAsync("Signal", swarms[0], a.PeerId, "offer", big, Ct));

        for (var i = 1; i < 4; i++)
        {
            await JoinAsync(second, swarms[i]);
        }

        await AssertRefusedAsync("too many swarms", second.InvokeAsync<JsonElement>("Join", swarms[4], Ct));
        await JoinAsync(second, swarms[3]);
        await second.InvokeAsync("Leave", swarms[3], Ct);
        await JoinAsync(second, swarms[4]);

        // Beyond P2P:MaxMessageBytes SignalR itself refuses the message and drops the connection.
        var closed = new TaskCompletionSource();
        second.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        var huge = JsonSerializer.SerializeToElement(new string('x', 40 * 1024));
        await Assert.ThrowsAnyAsync<Exception>(() => second.InvokeAsync("Signal", swarms[0], a.PeerId, "offer", huge, Ct));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(HubConnectionState.Disconnected, second.State);
    }

    [Fact]
    public async Task A_flood_of_calls_is_rate_limited_then_cut_off()
    {
        await using var strict = _server.WithWebHostBuilder(b => b
            .UseSetting("P2P:MessagesPerSecond", "1")
            .UseSetting("P2P:MessageBurst", "5")
            .UseSetting("P2P:AbortAfterRefusals", "3"));
        var swarm = (await SwarmsAsync(_public))[0];
        await using var hub = await ConnectAsync(factory: strict);
        var closed = new TaskCompletionSource();
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await JoinAsync(hub, swarm);
        for (var i = 0; i < 3; i++)
        {
            await hub.InvokeAsync("Leave", "0000000000000000000000000000000000000000", Ct);
        }

        // The burst is spent (a sixth call within the same second or so); the next calls are refused, and the third refusal ends it.
        Exception? refused = null;
        for (var i = 0; i < 5 && refused is null; i++)
        {
            refused = await Record.ExceptionAsync(() => hub.InvokeAsync("Leave", swarm, Ct));
        }

        Assert.Contains("rate limited", Assert.IsType<HubException>(refused).Message);
        for (var i = 0; i < 5 && hub.State == HubConnectionState.Connected; i++)
        {
            await Record.ExceptionAsync(() => hub.InvokeAsync("Leave", swarm, Ct));
        }

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_disconnected_peer_leaves_every_swarm_and_the_tracker_statistics()
    {
        var swarm = Assert.Single(await SwarmsAsync(_quiet));
        await using var staying = await ConnectAsync(Token(_stranger));
        var stays = await JoinAsync(staying, swarm);
        var leaving = await ConnectAsync(Token(_stranger));
        var gone = await JoinAsync(leaving, swarm);
        Assert.Equal(2, await HubPeersAsync(swarm));
        Assert.True((await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/tracker/stats", Ct)).GetProperty("peers").GetProperty("hub").GetInt32() >= 2);

        await leaving.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await HubPeersAsync(swarm) != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Equal(1, await HubPeersAsync(swarm));
        await using var next = await ConnectAsync(Token(_stranger));
        Assert.Equal([stays.PeerId], (await JoinAsync(next, swarm)).Peers);
        Assert.DoesNotContain(gone.PeerId, (await JoinAsync(next, swarm)).Peers);
    }

    [Fact]
    public async Task The_API_lists_PeerTubes_infohashes_and_the_private_tracker_accepts_them()
    {
        var video = await _root.GetVideoAsync(_public);
        var playlist = video.GetProperty("streamingPlaylists")[0];
        var master = $"http://localhost/static/streaming-playlists/hls/{_public}/master-{_public:N}.m3u8";
        Assert.Equal(master, playlist.GetProperty("playlistUrl").GetString());
        var expected = Enumerable.Range(0, 4)
            .Select(i => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes($"2{master}+V{i}")))).ToList();
        Assert.Equal(expected, playlist.GetProperty("p2pMediaLoaderInfohashes").EnumerateArray().Select(h => h.GetString()));

        var ip = IPAddress.Parse("10.20.30.40");
        var accepted = await AnnounceAsync(ip, Convert.FromHexString(expected[2]));
        Assert.Null(accepted["failure reason"]);
        var refused = await AnnounceAsync(IPAddress.Parse("10.20.30.41"), RandomNumberGenerator.GetBytes(20));
        Assert.Contains("Unknown infoHash", Assert.IsType<BString>(refused["failure reason"]).Text);

        // p2p-media-loader in a browser announces the same ids to the WebSocket tracker.
        var ws = _server.Server.CreateWebSocketClient();
        ws.ConfigureRequest = r => r.HttpContext.Connection.RemoteIpAddress = IPAddress.Parse("10.20.30.42");
        using var browser = new WebTorrentClient(await ws.ConnectAsync(new Uri("ws://localhost/tracker/socket"), Ct));
        await browser.AnnounceAsync(Convert.FromHexString(expected[0]), TrackerServer.PeerId("p2pml"));
        var answer = await browser.ReceiveMessageAsync();
        Assert.False(answer.TryGetProperty("failure reason", out _));
        Assert.Equal(1, answer.GetProperty("incomplete").GetInt32());
    }

    [Fact]
    public async Task Reported_stats_add_up_per_video_for_admins_only()
    {
        await using var first = await ConnectAsync();
        await using var second = await ConnectAsync();
        var uuid = _other.ToString();
        await first.InvokeAsync("ReportStats", uuid, new { httpBytes = 1000, p2pBytes = 500, uploadedBytes = 200, peers = 1 }, Ct);
        await first.InvokeAsync("ReportStats", uuid, new { httpBytes = 1500, p2pBytes = 2500, uploadedBytes = 300, peers = 2 }, Ct);
        await second.InvokeAsync("ReportStats", uuid, new { httpBytes = 500, p2pBytes = 0, uploadedBytes = 0, peers = 0 }, Ct);
        await AssertRefusedAsync("unknown video", second.InvokeAsync("ReportStats", Guid.NewGuid().ToString(),
            new { httpBytes = 1, p2pBytes = 1, uploadedBytes = 1, peers = 0 }, Ct));
        await AssertRefusedAsync("invalid stats", second.InvokeAsync("ReportStats", uuid,
            new { httpBytes = -1, p2pBytes = 1, uploadedBytes = 1, peers = 0 }, Ct));

        var stats = await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/p2p/stats", Ct);
        var row = Assert.Single(stats.GetProperty("videos").EnumerateArray(), v => v.GetProperty("uuid").GetString() == uuid);
        Assert.Equal("Another one", row.GetProperty("name").GetString());
        Assert.Equal(2000, row.GetProperty("httpBytes").GetInt64());
        Assert.Equal(2500, row.GetProperty("p2pBytes").GetInt64());
        Assert.Equal(300, row.GetProperty("uploadedBytes").GetInt64());
        Assert.Equal(2, row.GetProperty("reporters").GetInt32());
        Assert.Equal(0.5556, row.GetProperty("ratio").GetDouble(), 4);
        var total = stats.GetProperty("total");
        Assert.True(total.GetProperty("httpBytes").GetInt64() >= 2000);
        Assert.InRange(total.GetProperty("ratio").GetDouble(), 0, 1);

        Assert.Equal(HttpStatusCode.Forbidden, (await _stranger.Http.GetAsync("/api/v1/admin/p2p/stats", Ct)).StatusCode);
        using var anonymous = PeerTubeClient.Anonymous(_server);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/api/v1/admin/p2p/stats", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_player_config_maps_each_media_playlist_to_its_swarm()
    {
        var hashes = await SwarmsAsync(_public);
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var config = await PlayerConfigAsync(anonymous, $"/videos/embed/{_public}");
        var p2p = config.GetProperty("p2p");
        Assert.True(p2p.GetProperty("enabled").GetBoolean());
        Assert.Equal("/hubs/swarm", p2p.GetProperty("hubUrl").GetString());
        Assert.Empty(p2p.GetProperty("iceServers").EnumerateArray());
        Assert.Equal(10, p2p.GetProperty("maxPeers").GetInt32());
        // The master lists 720, 480 and 240 (the audio-only rendition stays out of it), in that order: index i is swarm i.
        var swarms = p2p.GetProperty("swarms").EnumerateArray()
            .Select(s => (s.GetProperty("playlist").GetString(), s.GetProperty("height").GetInt32(), s.GetProperty("swarmId").GetString())).ToList();
        Assert.Equal([($"{_public}-720.m3u8", 720, hashes[0]), ($"{_public}-480.m3u8", 480, hashes[1]), ($"{_public}-240.m3u8", 240, hashes[2])], swarms);

        Assert.False((await PlayerConfigAsync(anonymous, $"/videos/embed/{_public}?p2p=0")).GetProperty("p2p").GetProperty("enabled").GetBoolean());

        await using var configured = _server.WithWebHostBuilder(b => b
            .UseSetting("P2P:Enabled", "false")
            .UseSetting("P2P:MaxPeers", "7")
            .UseSetting("P2P:IceServers:0:Urls:0", "stun:stun.example.org:3478")
            .UseSetting("P2P:IceServers:1:Urls:0", "turn:turn.example.org:3478")
            .UseSetting("P2P:IceServers:1:Username", "viewer")
            .UseSetting("P2P:IceServers:1:Credential", "secret"));
        using var http = configured.CreateClient();
        var off = (await PlayerConfigAsync(new PeerTubeClient(http), $"/videos/embed/{_public}")).GetProperty("p2p");
        Assert.False(off.GetProperty("enabled").GetBoolean());
        Assert.Equal(7, off.GetProperty("maxPeers").GetInt32());
        var ice = off.GetProperty("iceServers");
        Assert.Equal("stun:stun.example.org:3478", ice[0].GetProperty("urls")[0].GetString());
        Assert.False(ice[0].TryGetProperty("username", out _));
        Assert.Equal("viewer", ice[1].GetProperty("username").GetString());
        Assert.Equal("secret", ice[1].GetProperty("credential").GetString());
        // No hub at all (the pages' routes answer 405 to a POST there).
        Assert.False((await http.PostAsync("/hubs/swarm/negotiate?negotiateVersion=1", null, Ct)).IsSuccessStatusCode);
    }

    private async Task<Guid> AddVideoAsync(int channelId, string name, VideoPrivacy privacy, int[] resolutions)
    {
        var uuid = Guid.NewGuid();
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var now = DateTimeOffset.UtcNow;
        db.Videos.Add(new Video
        {
            Uuid = uuid,
            Name = name,
            ChannelId = channelId,
            Privacy = privacy,
            State = VideoState.Published,
            CreatedAt = now,
            UpdatedAt = now,
            PublishedAt = now,
            StreamingPlaylist = new VideoStreamingPlaylist
            {
                PlaylistFilename = $"master-{uuid:N}.m3u8",
                SegmentsSha256Filename = "segments-sha256.json",
                Files = resolutions.Select(r => new VideoFile
                {
                    Resolution = r,
                    Height = r == 0 ? null : r,
                    Width = r == 0 ? null : r * 16 / 9,
                    HasVideo = r != 0,
                    HasAudio = true,
                    Filename = $"{uuid}-{r}-fragmented.mp4",
                    PlaylistFilename = $"{uuid}-{r}.m3u8",
                }).ToList(),
            },
        });
        await db.SaveChangesAsync(Ct);
        return uuid;
    }

    private async Task<IReadOnlyList<string>> SwarmsAsync(Guid video, PeerTubeClient? as_ = null) =>
        (await (as_ ?? _root).GetVideoAsync(video)).GetProperty("streamingPlaylists")[0].GetProperty("p2pMediaLoaderInfohashes")
        .EnumerateArray().Select(h => h.GetString()!).ToList();

    /// <summary>The swarm's peers as the tracker's statistics count them.</summary>
    private async Task<int> HubPeersAsync(string swarm) =>
        (await _root.Http.GetFromJsonAsync<JsonElement>("/api/v1/admin/tracker/stats?count=100", Ct)).GetProperty("topTorrents").EnumerateArray()
        .Where(t => t.GetProperty("infoHash").GetString() == swarm).Select(t => t.GetProperty("peers").GetInt32()).SingleOrDefault();

    private async Task<BDictionary> AnnounceAsync(IPAddress ip, byte[] infoHash)
    {
        var peerId = Encoding.ASCII.GetBytes("-PT0001-swarmhubtest");
        var context = await _server.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/tracker/announce";
            c.Request.QueryString = new QueryString(
                $"?info_hash={TrackerServer.Escape(infoHash)}&peer_id={TrackerServer.Escape(peerId)}&port=6881&uploaded=0&downloaded=0&left=100");
            c.Connection.RemoteIpAddress = ip;
        }, Ct);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        using var body = new MemoryStream();
        await context.Response.Body.CopyToAsync(body, Ct);
        return Assert.IsType<BDictionary>(Bencode.Decode(body.ToArray()));
    }

    private static async Task<JsonElement> PlayerConfigAsync(PeerTubeClient client, string path)
    {
        var html = await client.Http.GetStringAsync(path, Ct);
        var mount = new HtmlParser().ParseDocument(html).QuerySelector("div#pt-player[data-config]");
        Assert.NotNull(mount);
        return JsonDocument.Parse(mount.GetAttribute("data-config")!).RootElement;
    }

    private sealed record Joined(string PeerId, IReadOnlyList<string> Peers);

    private sealed record Relayed(string SwarmId, string FromPeerId, string Kind, JsonElement Payload);

    private static async Task<Joined> JoinAsync(HubConnection hub, string swarmId)
    {
        var result = await hub.InvokeAsync<JsonElement>("Join", swarmId, Ct);
        return new Joined(result.GetProperty("peerId").GetString()!,
            result.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!).ToList());
    }

    private static ChannelReader<Relayed> Collect(HubConnection hub)
    {
        var channel = Channel.CreateUnbounded<Relayed>();
        hub.On<string, string, string, JsonElement>("signal", (swarm, from, kind, payload) => channel.Writer.TryWrite(new Relayed(swarm, from, kind, payload)));
        return channel.Reader;
    }

    private static async Task AssertRefusedAsync(string reason, Task call)
    {
        var error = await Assert.ThrowsAsync<HubException>(() => call);
        Assert.Contains(reason, error.Message);
    }

    private Task<HubConnection> ConnectAsync(string? token = null, string query = "", WebApplicationFactory<Program>? factory = null) =>
        StartAsync(new HubConnectionBuilder()
            .WithUrl(new Uri((factory ?? _server).Server.BaseAddress, "/hubs/swarm" + query), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => (factory ?? _server).Server.CreateHandler();
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build());

    private static async Task<HubConnection> StartAsync(HubConnection hub)
    {
        await hub.StartAsync(Ct);
        return hub;
    }

    private static string Token(PeerTubeClient client) => client.Http.DefaultRequestHeaders.Authorization!.Parameter!;
}
