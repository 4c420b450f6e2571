using System.Diagnostics;
using System.Text.Json;

namespace PeerTube.Net.Media.Tests.Support;

/// <summary>Direct ffprobe calls for assertions on outputs the MediaProber is not meant for (still images).</summary>
internal static class Ffprobe
{
    public static async Task<(int Width, int Height, string Codec)> FirstVideoStreamAsync(string path)
    {
        var startInfo = new ProcessStartInfo("ffprobe") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-v", "error", "-print_format", "json", "-show_streams", "-i", path])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);

        using var json = JsonDocument.Parse(output);
        var stream = json.RootElement.GetProperty("streams").EnumerateArray().First(s => s.GetProperty("codec_type").GetString() == "video");
        return (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32(), stream.GetProperty("codec_name").GetString()!);
    }
}
