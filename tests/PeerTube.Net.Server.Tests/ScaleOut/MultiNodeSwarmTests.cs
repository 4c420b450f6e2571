using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.ScaleOut;

/// <summary>
/// Two nodes of one instance behind an imaginary load balancer: two server processes sharing one PostgreSQL database,
/// one storage folder, one public URL and one Redis. Viewers of one video on different nodes find each other in the
/// swarm hub and signal each other through SignalR's Redis backplane.
/// </summary>
public sealed class MultiNodeSwarmTests : IAsyncLifetime
{
    private readonly string _database = "pt_test_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "peertube-net-multinode", Guid.NewGuid().ToString("N"));
    private readonly ServerProcess _node1 = FederationTestKit.Instance();
    private readonly ServerProcess _node2 = FederationTestKit.Instance();
    private readonly List<HubConnection> _viewers = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(ServerApplication.PostgresAdminConnectionString()))
        {
            await admin.OpenAsync(Ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", admin);
            await create.ExecuteNonQueryAsync(Ct);
        }

        var shared = new Dictionary<string, string>
        {
            ["Database:Provider"] = "postgres",
            ["ConnectionStrings:Default"] =
                new NpgsqlConnectionStringBuilder(ServerApplication.PostgresAdminConnectionString()) { Database = _database }.ConnectionString,
            ["Storage:Root"] = _storage,
            // What the load balancer answers to: both nodes publish the same URLs, hence the same swarm ids.
            ["Instance:PublicUrl"] = _node1.BaseUrl,
            ["Redis:Configuration"] = TestRedis.Configuration,
            ["Redis:ChannelPrefix"] = TestRedis.NewPrefix(),
        };

        // One after the other, so that the second node finds the database migrated and the root account made.
        await _node1.StartAsync(new Dictionary<string, string>(shared) { ["Instance:NodeId"] = "node1" });
        await _node2.StartAsync(new Dictionary<string, string>(shared) { ["Instance:NodeId"] = "node2" });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var viewer in _viewers)
        {
            await viewer.DisposeAsync();
        }

        await _node1.DisposeAsync();
        await _node2.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(ServerApplication.PostgresAdminConnectionString()))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(_storage, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Viewers_on_two_nodes_join_one_swarm_and_signal_each_other_through_Redis()
    {
        // A tiny video, uploaded through node 1 and transcoded by whichever node's job server takes it.
        var root = await _node1.LoginAsRootAsync();
        var uploaded = await root.UploadVideoAsync(await TestMedia.VideoAsync(seconds: 1), "Watched on two nodes",
            new Dictionary<string, string> { ["privacy"] = "1" });
        var published = await root.WaitForTranscodingAsync(uploaded.GetProperty("id").GetInt32());
        Assert.Equal(1, published.GetProperty("state").GetProperty("id").GetInt32());
        var swarm = Swarms(published)[0];
        Assert.Equal(Swarms(published), Swarms(await _node2.Anonymous().GetVideoAsync(uploaded.GetProperty("uuid").GetString()!)));

        // Viewer 1 watches through node 1, viewer 2 through node 2; viewer 2's Join lists viewer 1.
        var viewer1 = await ConnectAsync(_node1);
        var viewer2 = await ConnectAsync(_node2);
        var toViewer1 = Collect(viewer1);
        var toViewer2 = Collect(viewer2);
        var (peer1, peersSeenBy1) = await JoinAsync(viewer1, swarm);
        Assert.Empty(peersSeenBy1);
        var (peer2, peersSeenBy2) = await JoinAsync(viewer2, swarm);
        Assert.Equal([peer1], peersSeenBy2);

        // The offer goes in at node 2 and comes out at node 1, the answer the other way round.
        var offer = JsonSerializer.SerializeToElement(new { type = "offer", sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n" });
        await viewer2.InvokeAsync("Signal", swarm, peer1, "offer", offer, Ct);
        var received = await toViewer1.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal((swarm, peer2, "offer"), (received.SwarmId, received.FromPeerId, received.Kind));
        Assert.Equal(offer.GetProperty("sdp").GetString(), received.Payload.GetProperty("sdp").GetString());

        await viewer1.InvokeAsync("Signal", swarm, peer2, "answer", JsonSerializer.SerializeToElement(new { type = "answer", sdp = "v=0\r\n" }), Ct);
        var answer = await toViewer2.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal((swarm, peer1, "answer"), (answer.SwarmId, answer.FromPeerId, answer.Kind));

        // Viewer 1 closes the tab: node 1 takes it out of the swarm, and node 2 can no longer reach it.
        _viewers.Remove(viewer1);
        await viewer1.DisposeAsync();
        await FederationTestKit.EventuallyAsync(
            async () => await Record.ExceptionAsync(() => viewer2.InvokeAsync("Signal", swarm, peer1, "offer", offer, Ct)) is HubException refused
                        && refused.Message.Contains("peer not in swarm"),
            "node 2 refusing to signal the viewer that left node 1", _node1, _node2);
        var viewer3 = await ConnectAsync(_node2);
        var (_, peersSeenBy3) = await JoinAsync(viewer3, swarm);
        Assert.Equal([peer2], peersSeenBy3);
        Assert.DoesNotContain(peer1, peersSeenBy3);
    }

    private async Task<HubConnection> ConnectAsync(ServerProcess node)
    {
        var viewer = new HubConnectionBuilder().WithUrl($"{node.BaseUrl}/hubs/swarm").Build();
        _viewers.Add(viewer);
        await viewer.StartAsync(Ct);
        return viewer;
    }

    private static async Task<(string PeerId, IReadOnlyList<string> Peers)> JoinAsync(HubConnection viewer, string swarm)
    {
        var joined = await viewer.InvokeAsync<JsonElement>("Join", swarm, Ct);
        return (joined.GetProperty("peerId").GetString()!, joined.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!).ToList());
    }

    private static ChannelReader<Relayed> Collect(HubConnection viewer)
    {
        var channel = Channel.CreateUnbounded<Relayed>();
        viewer.On<string, string, string, JsonElement>("signal", (swarm, from, kind, payload) => channel.Writer.TryWrite(new Relayed(swarm, from, kind, payload)));
        return channel.Reader;
    }

    private static List<string> Swarms(JsonElement video) =>
        video.GetProperty("streamingPlaylists")[0].GetProperty("p2pMediaLoaderInfohashes").EnumerateArray().Select(h => h.GetString()!).ToList();

    private sealed record Relayed(string SwarmId, string FromPeerId, string Kind, JsonElement Payload);
}
