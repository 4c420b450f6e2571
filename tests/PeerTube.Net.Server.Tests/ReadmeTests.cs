using System.Diagnostics;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The README's "Using it" block, taken from README.md and run as it is by bash against a real server: the first
/// thing a newcomer types must keep working.
/// </summary>
public sealed class ReadmeTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Seeding:Enabled"] = "false" });
    private readonly string _workDirectory = Directory.CreateTempSubdirectory("peertube-net-readme-").FullName;

    [Fact]
    public async Task The_using_it_block_logs_in_uploads_waits_for_publication_and_fetches_the_master_playlist()
    {
        var block = UsingItBlock();
        Assert.Contains("B=${B:-", block); // so that the test can point it at its own server
        File.Copy(await TestMedia.VideoAsync(320, 180, seconds: 2), Path.Combine(_workDirectory, "my-video.mp4"));
        await _server.StartAsync();

        var (exitCode, output, errors) = await RunBashAsync("set -euo pipefail\n" + block, TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0,
            $"the README block failed with {exitCode}:\n{errors}\n--- its output:\n{output}\n--- the server's log:\n{_server.RecentLog}");
        Assert.StartsWith("#EXTM3U", output);
        Assert.Contains("#EXT-X-STREAM-INF:", output);
    }

    /// <summary>The first ```sh block under "## Using it".</summary>
    private static string UsingItBlock()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        var section = readme.IndexOf("\n## Using it\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## Using it' section");
        const string fence = "\n```sh\n";
        var start = readme.IndexOf(fence, section, StringComparison.Ordinal);
        Assert.True(start >= 0, "the 'Using it' section has no ```sh block");
        start += fence.Length;
        var end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..(end + 1)];
    }

    private async Task<(int ExitCode, string Output, string Errors)> RunBashAsync(string script, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = _workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.Environment["B"] = _server.BaseUrl;
        start.Environment["PT_INITIAL_ROOT_PASSWORD"] = ServerApplication.RootPassword;

        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var errors = bash.StandardError.ReadToEndAsync();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(timeout);
        try
        {
            await bash.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            bash.Kill(entireProcessTree: true);
            await bash.WaitForExitAsync();
            return (-1, await output, $"timed out after {timeout}\n{await errors}");
        }

        return (bash.ExitCode, await output, await errors);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PeerTube.Net.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return directory.FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_workDirectory, recursive: true);
    }
}
