using System.Diagnostics;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The swarm simulator (bench/swarm-sim) runs the player's mesh decisions (src/player/src/p2p/policy.ts) under Node; its
/// own test checks that a seed gives the same figures twice and that P2P helps without stalling more. Run here so that a
/// change of policy.ts that breaks the simulator, or makes it non-deterministic, fails the suite.
/// </summary>
public sealed class SwarmSimulatorTests
{
    [Fact]
    public async Task The_simulator_is_deterministic_and_peers_help_without_stalls()
    {
        var root = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PeerTube.Net.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root.FullName };
        start.ArgumentList.Add(Path.Combine(root.FullName, "bench", "swarm-sim", "run.sh"));
        start.ArgumentList.Add("--test");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"bench/swarm-sim/run.sh --test failed ({process.ExitCode}): {await output}\n{await errors}");
        Assert.Contains("swarm-sim test: ok", await output, StringComparison.Ordinal);
    }
}
