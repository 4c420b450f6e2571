using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>PeerTube's own command-line client, from npm, uploads to our server and runs to completion.</summary>
public sealed class PeerTubeCliTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string> { ["Seeding:Enabled"] = "false" });
    private readonly string _home = Path.Combine(Path.GetTempPath(), "peertube-net-cli-home", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task PeerTubes_cli_uploads_a_video_and_waits_for_its_torrent()
    {
        var cli = Environment.GetEnvironmentVariable("PEERTUBE_CLI") is { Length: > 0 } path && File.Exists(path)
            ? path
            : throw new InvalidOperationException("PEERTUBE_CLI is not set. Run the tests with `bash scripts/test.sh`, which installs PeerTube's CLI.");
        await _server.StartAsync();
        Directory.CreateDirectory(_home);

        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     cli, "upload", "-u", _server.BaseUrl, "-U", "root", "-p", ServerApplication.RootPassword,
                     "-f", await TestMedia.VideoAsync(320, 180, seconds: 2), "-n", "From the PeerTube CLI", "-t", "cli,compat", "-c", "15",
                 })
        {
            start.ArgumentList.Add(argument);
        }

        // The CLI keeps its settings under $HOME; give it a fresh one.
        start.Environment["HOME"] = _home;
        start.Environment["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var printed = await output + await errors;

        Assert.True(process.ExitCode == 0, $"peertube-cli exited with {process.ExitCode}: {printed}");
        Assert.Contains("Video From the PeerTube CLI uploaded.", printed, StringComparison.Ordinal);

        using var anonymous = new HttpClient { BaseAddress = new Uri(_server.BaseUrl) };
        var list = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos");
        var summary = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("From the PeerTube CLI", summary.GetProperty("name").GetString());
        var video = await anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{summary.GetProperty("uuid").GetString()}");
        Assert.Equal(["cli", "compat"], video.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(15, video.GetProperty("category").GetProperty("id").GetInt32());
        Assert.NotNull(video.GetProperty("files")[0].GetProperty("torrentUrl").GetString());
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
