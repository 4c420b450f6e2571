using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Seeding;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: the seeder caps connections per IP, and by default listens where HTTP does: a server bound to loopback
/// (the development default) does not open its seeder to the network.
/// </summary>
public sealed class SeederExposureTests
{
    [Fact]
    public async Task One_IP_cannot_hold_more_seeder_connections_than_the_cap()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Seeding:Port"] = "0", ["Seeding:MaxConnectionsPerIp"] = "2" });
        var port = await server.Services.GetRequiredService<SeederState>().WaitUntilListeningAsync(TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var kept = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
                kept.Add(tcp);
            }

            // Accepted one at a time: give the seeder a moment to register the first two.
            await Task.Delay(300, TestContext.Current.CancellationToken);
            using var extra = new TcpClient();
            await extra.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken);
            Assert.True(await IsClosedByServerAsync(extra, TimeSpan.FromSeconds(5)), "the third connection from one IP should be closed");
            Assert.False(await IsClosedByServerAsync(kept[0], TimeSpan.FromMilliseconds(500)), "the first connections should stay open");
        }
        finally
        {
            kept.ForEach(k => k.Dispose());
        }
    }

    [Theory]
    [InlineData(null, null, null, "127.0.0.1")]
    [InlineData("http://localhost:9000", null, null, "127.0.0.1")]
    [InlineData("http://127.0.0.1:9000;http://[::1]:9000", null, null, "127.0.0.1")]
    [InlineData("http://0.0.0.0:9000", null, null, "0.0.0.0")]
    [InlineData("http://*:80", null, null, "0.0.0.0")]
    [InlineData("http://localhost:9000;http://192.0.2.10:9000", null, null, "0.0.0.0")]
    [InlineData(null, "8080", null, "0.0.0.0")]
    [InlineData(null, null, "http://127.0.0.1:5001", "127.0.0.1")]
    [InlineData(null, null, "http://0.0.0.0:5001", "0.0.0.0")]
    public void The_listen_address_follows_the_HTTP_binding(string? urls, string? httpPorts, string? kestrelUrl, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = urls, ["http_ports"] = httpPorts, ["Kestrel:Endpoints:Http:Url"] = kestrelUrl,
        }).Build();

        Assert.Equal(IPAddress.Parse(expected), new SeedingOptions().ResolveListenAddress(configuration));
        Assert.Equal(IPAddress.Parse("::"), new SeedingOptions { ListenAddress = "::" }.ResolveListenAddress(configuration));
    }

    private static async Task<bool> IsClosedByServerAsync(TcpClient client, TimeSpan wait)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            return await client.GetStream().ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }
}
