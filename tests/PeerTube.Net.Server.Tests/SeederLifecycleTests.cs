using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Media.Torrents.PeerWire;
using PeerTube.Net.Server.Features.Seeding;
using PeerTube.Net.Server.Features.Torrents;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>The seeder across its life: a busy port, settings that cannot work, videos coming and going, shutdown.</summary>
public sealed class SeederLifecycleTests
{
    [Fact]
    public async Task A_busy_port_leaves_HTTP_serving_the_seeder_takes_the_port_once_free_and_shutdown_lets_peers_go()
    {
        var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;
        var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Seeding:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Seeding:ListenAddress"] = "127.0.0.1",
            ["Seeding:BindRetrySeconds"] = "1",
        });
        var disposed = false;
        try
        {
            var state = server.Services.GetRequiredService<SeederState>();
            using var anonymous = PeerTubeClient.Anonymous(server);
            Assert.Equal("pong", await anonymous.Http.GetStringAsync("/api/v1/ping"));
            await Task.Delay(500);
            Assert.Null(state.ListeningPort);

            blocker.Stop();
            Assert.Equal(port, await state.WaitUntilListeningAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

            // A peer halfway through its handshake: the seeder waits for the rest, until it shuts down.
            await using var peer = await SeederTestPeer.ConnectAsync(port);
            await peer.SendAsync(new PeerHandshake(new byte[20], new byte[20]).ToArray().AsMemory(0, 30));
            Assert.False(await peer.IsClosedBySeederAsync(TimeSpan.FromMilliseconds(300)), "the seeder should wait for the rest of the handshake");

            await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
            disposed = true;
            Assert.True(await peer.IsClosedBySeederAsync(TimeSpan.FromSeconds(2)), "shutdown should close every peer connection");
            using var again = new TcpListener(IPAddress.Loopback, port);
            again.Start(); // the seeder let go of its port
        }
        finally
        {
            blocker.Dispose();
            if (!disposed)
            {
                await server.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("Seeding:AnnounceAddress", "videos.example.org", "Seeding:AnnounceAddress")]
    [InlineData("Seeding:AnnounceAddress", "0.0.0.0", "Seeding:AnnounceAddress")]
    [InlineData("Seeding:ListenAddress", "everywhere", "Seeding:ListenAddress")]
    [InlineData("Seeding:Port", "70000", "Port")]
    [InlineData("Seeding:UploadSlots", "0", "UploadSlots")]
    public async Task A_bad_seeding_setting_stops_the_boot_with_a_message_naming_it(string key, string value, string named)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { [key] = value });
        });

        Assert.NotNull(error);
        Assert.Contains(named, error.ToString());
    }

    [Fact]
    public void The_announce_address_defaults_to_the_public_url_when_it_is_an_IP_and_to_loopback_otherwise()
    {
        var options = new SeedingOptions();

        Assert.Equal(IPAddress.Parse("203.0.113.7"), options.ResolveAnnounceAddress(new() { PublicUrl = "https://203.0.113.7" }));
        Assert.Equal(IPAddress.Parse("2001:db8::7"), options.ResolveAnnounceAddress(new() { PublicUrl = "https://[2001:db8::7]:8443" }));
        Assert.Equal(IPAddress.Loopback, options.ResolveAnnounceAddress(new() { PublicUrl = "https://videos.example.org" }));
        options.AnnounceAddress = "198.51.100.1";
        Assert.Equal(IPAddress.Parse("198.51.100.1"), options.ResolveAnnounceAddress(new() { PublicUrl = "https://203.0.113.7" }));
    }

    [Fact]
    public async Task A_published_video_is_seeded_as_soon_as_the_seeder_is_told_and_deleting_it_lets_its_peers_go()
    {
        // No polling to speak of: only the signal can make the seeder notice the new video in time.
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Seeding:Port"] = "0",
            ["Seeding:ListenAddress"] = "127.0.0.1",
            ["Seeding:CatalogRefreshSeconds"] = "3600",
        });
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var state = server.Services.GetRequiredService<SeederState>();
        var port = await state.WaitUntilListeningAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var created = await root.UploadVideoAsync(await TestMedia.AudioOnlyAsync(), "Seeded, then deleted");
        var id = created.GetProperty("id").GetInt32();
        await root.WaitForTranscodingAsync(id);
        var rendition = (await server.Services.GetRequiredService<ITorrentCatalog>().ListAsync(CancellationToken.None)).First();
        var metainfo = TorrentParser.Parse(await File.ReadAllBytesAsync(rendition.TorrentPath));
        var signal = server.Services.GetRequiredService<TorrentCatalogSignal>();

        signal.CatalogChanged();
        await WaitUntilAsync(() => state.TryGet(metainfo.InfoHashHex, out _), "the signalled torrent should be loaded");
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port), state.AnnouncedEndpoint);

        await using var peer = await SeederTestPeer.ConnectAsync(port);
        await peer.HandshakeAsync(metainfo.InfoHash);
        Assert.Equal(PeerMessageType.Bitfield, (await peer.ReadMeaningfulAsync()).Type);

        await (await root.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        signal.CatalogChanged();

        Assert.True(await peer.IsClosedBySeederAsync(), "peers of a deleted video should be let go");
        Assert.False(state.TryGet(metainfo.InfoHashHex, out _));
        await using var late = await SeederTestPeer.ConnectAsync(port);
        await Assert.ThrowsAsync<EndOfStreamException>(() => late.HandshakeAsync(metainfo.InfoHash));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (!condition())
        {
            Assert.False(timeout.IsCancellationRequested, because);
            await Task.Delay(50);
        }
    }
}
