using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// A class fixture: two of our instances as processes on loopback ports (each its own storage, database and public url,
/// private addresses allowed so that they may federate), where B's admin follows root's channel on A; and one Chromium.
/// </summary>
public sealed class FederatedSites : IAsyncLifetime
{
    private PeerTubeClient? _rootA;

    public ServerProcess A { get; } = FederationTestKit.Instance();
    public ServerProcess B { get; } = FederationTestKit.Instance();
    public Chromium Chromium { get; } = new();

    /// <summary>Root on A, who publishes in the channel B follows.</summary>
    public PeerTubeClient RootA => _rootA ?? throw new InvalidOperationException("the sites are not started");

    /// <summary>The handle B follows.</summary>
    public string FollowedChannel => $"root_channel@{A.Host()}";

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Chromium.InitializeAsync().AsTask(), A.StartAsync(), B.StartAsync());
        _rootA = await A.LoginAsRootAsync();
        using var rootB = await B.LoginAsRootAsync();
        await rootB.FollowAsync(FollowedChannel, A, B);
    }

    public async ValueTask DisposeAsync()
    {
        _rootA?.Dispose();
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Chromium.DisposeAsync();
    }
}
