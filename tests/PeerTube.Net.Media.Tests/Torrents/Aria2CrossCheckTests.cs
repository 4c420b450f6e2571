using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using PeerTube.Net.Media.Tests.Support;
using PeerTube.Net.Media.Torrents;
using static PeerTube.Net.Media.Tests.Torrents.TorrentSamples;

namespace PeerTube.Net.Media.Tests.Torrents;

/// <summary>An independent BitTorrent implementation reads what we write and agrees on the info-hash.</summary>
public sealed partial class Aria2CrossCheckTests
{
    [Fact]
    public async Task Aria2c_accepts_our_torrent_and_computes_the_same_info_hash()
    {
        var aria2c = FindOnPath("aria2c");
        if (aria2c is null)
        {
            Assert.Skip("aria2c is not installed (apt-get install -y aria2).");
        }

        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory();
        var content = temp.File("pattern.bin");
        await File.WriteAllBytesAsync(content, Pattern(100_000), ct);
        var torrent = await TorrentBuilder.CreateAsync(content, new TorrentOptions(
            "My vidéo 720p.mp4",
            [["wss://peertube.example:443/tracker/socket"], ["https://peertube.example/tracker/announce"]],
            ["https://peertube.example/static/web-videos/abc-720.mp4"]), ct);
        var torrentFile = temp.File("video.torrent");
        await File.WriteAllBytesAsync(torrentFile, torrent.Bytes, ct);

        var output = await RunAsync(aria2c, ["--show-files=true", torrentFile], ct);

        Assert.Equal(torrent.InfoHashHex, InfoHash().Match(output).Groups[1].Value);
        Assert.Equal("My vidéo 720p.mp4", NameLine().Match(output).Groups[1].Value.Trim());
        Assert.Equal(100_000, long.Parse(TotalLength().Match(output).Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture));
        Assert.Contains("The Number of Pieces: 7", output, StringComparison.Ordinal);
        Assert.Contains("https://peertube.example/static/web-videos/abc-720.mp4", output, StringComparison.Ordinal);
        Assert.Contains("https://peertube.example/tracker/announce", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aria2c_agrees_on_the_hand_written_torrent()
    {
        var aria2c = FindOnPath("aria2c");
        if (aria2c is null)
        {
            Assert.Skip("aria2c is not installed (apt-get install -y aria2).");
        }

        var ct = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory();
        var torrentFile = temp.File("fixed.torrent");
        await File.WriteAllBytesAsync(torrentFile, Fixed, ct);

        var output = await RunAsync(aria2c, ["--show-files=true", torrentFile], ct);

        Assert.Equal(FixedInfoHashHex, InfoHash().Match(output).Groups[1].Value);
    }

    private static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;

        // aria2c exits 0 even when it cannot read the torrent; its complaint is on stdout.
        Assert.True(process.ExitCode == 0 && !output.Contains("Exception:", StringComparison.Ordinal),
            $"aria2c failed ({process.ExitCode}):\n{output}\n{await stderr}");
        return output;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"^Info Hash: ([0-9a-f]{40})\s*$", RegexOptions.Multiline)]
    private static partial Regex InfoHash();

    [GeneratedRegex(@"^Name: (.+)$", RegexOptions.Multiline)]
    private static partial Regex NameLine();

    [GeneratedRegex(@"^Total Length: .*\(([\d,]+)\)", RegexOptions.Multiline)]
    private static partial Regex TotalLength();
}
