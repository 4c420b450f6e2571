using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: a corpus of bad media, each uploaded through the real API with the default limits. None may give a 500,
/// the server must keep serving after each, and each must end refused with a machine-readable code, or failed with a
/// reason (or, for the few valid oddities, published with what it really holds).
/// </summary>
public sealed class BadMediaCorpusTests
{
    private enum Expect
    {
        Refused,
        Published,
        RefusedOrFailed,

        /// <summary>Any clean ending: ffmpeg's raw demuxers read some text as audio (AMR-NB), which is harmless.</summary>
        AnyEnding,
    }

    private sealed record Kind(string Name, Func<string, Task<string>> Make, Expect Expect, string? Code = null, string Filename = "upload.mp4");

    [Fact]
    public async Task No_bad_file_gives_a_500_and_each_ends_refused_or_failed_with_a_reason()
    {
        var ct = TestContext.Current.CancellationToken;
        var work = Path.Combine(Path.GetTempPath(), $"bad-media-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var alice = await root.CreateUserAndLoginAsync(server, "alice");

        var kinds = Corpus();
        var outcomes = new List<string>();
        var serverErrors = 0;
        try
        {
            foreach (var kind in kinds)
            {
                var file = await kind.Make(Path.Combine(work, $"kind-{outcomes.Count}.mp4"));
                using var response = await alice.UploadAsync(file, kind.Name, uploadFilename: kind.Filename);
                var body = await response.Content.ReadAsStringAsync(ct);
                if ((int)response.StatusCode >= 500)
                {
                    serverErrors++;
                    outcomes.Add($"{kind.Name}: {(int)response.StatusCode} {body}");
                    continue;
                }

                string outcome;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var id = JsonDocument.Parse(body).RootElement.GetProperty("video").GetProperty("id").GetInt32();
                    var video = await alice.WaitForTranscodingAsync(id);
                    var state = video.GetProperty("state").GetProperty("id").GetInt32();
                    var error = video.GetProperty("transcodingError");
                    outcome = state switch
                    {
                        1 => $"published ({video.GetProperty("duration").GetInt32()} s)",
                        7 when error.ValueKind == JsonValueKind.String && error.GetString()!.Length > 0 => $"failed: {error.GetString()}",
                        _ => $"state {state} without a reason",
                    };
                    Assert.True(kind.Expect != Expect.Refused, $"{kind.Name} should have been refused at upload, but was {outcome}");
                    Assert.True(kind.Expect switch
                    {
                        Expect.Published => state == 1,
                        Expect.AnyEnding => state == 1 || outcome.StartsWith("failed", StringComparison.Ordinal),
                        _ => outcome.StartsWith("failed", StringComparison.Ordinal),
                    }, $"{kind.Name}: {outcome}");
                }
                else
                {
                    var code = JsonDocument.Parse(body).RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
                    outcome = $"refused {(int)response.StatusCode} {code}: {(JsonDocument.Parse(body).RootElement.TryGetProperty("detail", out var d) ? d.GetString() : body)}";
                    Assert.True(kind.Expect != Expect.Published, $"{kind.Name} should have been accepted, but was {outcome}");
                    Assert.False(string.IsNullOrEmpty(code), $"{kind.Name}: refused without a code: {body}");
                    Assert.True(kind.Code is null || kind.Code == code, $"{kind.Name}: expected code {kind.Code}, got {outcome}");
                }

                outcomes.Add($"{kind.Name}: {outcome}");
                using var config = await alice.Http.GetAsync("/api/v1/config", ct);
                Assert.True(config.StatusCode == HttpStatusCode.OK, $"the server stopped serving after {kind.Name}");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{kinds.Count} kinds, {serverErrors} answers of 500 or more:\n" + string.Join('\n', outcomes));
        Assert.True(serverErrors == 0, string.Join('\n', outcomes));
        Assert.True(kinds.Count >= 12);
        Assert.Equal(kinds.Count, outcomes.Count);
    }

    [Fact]
    public async Task A_file_truncated_after_a_front_moov_is_published_with_the_duration_it_holds()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var path = await FrontMoovTruncatedAsync(Path.Combine(Path.GetTempPath(), $"front-moov-{Guid.NewGuid():N}.mp4"));
        try
        {
            var id = (await root.UploadVideoAsync(path, "Truncated")).GetProperty("id").GetInt32();
            var video = await root.WaitForTranscodingAsync(id);

            Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
            // The header says 6 s; the packets hold half the bytes, about 3 s.
            Assert.InRange(video.GetProperty("duration").GetInt32(), 1, 4);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<Kind> Corpus() =>
    [
        new("empty file", p => Write(p, []), Expect.Refused),
        new("random bytes", p => Write(p, RandomBytes(64 * 1024)), Expect.Refused, "video_file_unreadable"),
        new("mp4 truncated before its moov", async p => Copy(await TestMedia.TruncatedAsync(), p), Expect.Refused, "video_file_unreadable"),
        new("HLS playlist to http://127.0.0.1:9/x", p => Text(p, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n#EXT-X-ENDLIST\n"),
            Expect.Refused),
        new("HLS playlist named .m3u8", p => Text(p, "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/x\n#EXT-X-ENDLIST\n"),
            Expect.Refused, "unsupported_media_type", "playlist.m3u8"),
        new("HLS playlist of a readable local file", async p =>
        {
            var segment = p + ".ts";
            await TestMedia.RunFfmpegAsync(["-v", "error", "-y", "-i", await TestMedia.VideoAsync(), "-c", "copy", "-f", "mpegts", segment]);
            return await Text(p, $"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{segment}\n#EXT-X-ENDLIST\n");
        }, Expect.Refused, "video_format_refused"),
        new("concat list naming a readable file", async p => await Text(p, $"ffconcat version 1.0\nfile '{await TestMedia.VideoAsync()}'\n"),
            Expect.Refused),
        new("text file renamed .mp4", p => Text(p, string.Concat(Enumerable.Repeat("This is not a video. ", 500))), Expect.AnyEnding),
        new("HTML page renamed .mp4", p => Text(p, "<!DOCTYPE html><html><body><video src=\"http://127.0.0.1:9/x.mp4\"></video></body></html>"),
            Expect.Refused),
        new("mp4 without a single frame (zero duration)", p => Ffmpeg(p, "zero.mp4",
            ["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "0", "-c:v", "libx264"]), Expect.Refused),
        new("subtitles only", p => Text(p, "1\n00:00:00,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,000 --> 00:00:04,000\nWorld\n"),
            Expect.Refused, Filename: "subtitles.mkv"),
        new("y4m header declaring 20000x20000", p => Text(p, "YUV4MPEG2 W20000 H20000 F25:1 Ip A1:1 C420jpeg\nFRAME\nabc"), Expect.Refused),
        new("y4m header declaring 8000x8000, 3 bytes of picture", p => Text(p, "YUV4MPEG2 W8000 H8000 F25:1 Ip A1:1 C420jpeg\nFRAME\nabc"),
            Expect.Refused),
        new("8000x4500 video (over 8K)", p => Ffmpeg(p, "8000x4500.mp4",
            ["-f", "lavfi", "-i", "color=s=8000x4500:r=25:d=0.04", "-c:v", "libx264", "-preset", "ultrafast"]), Expect.Refused,
            "video_resolution_too_high"),
        new("240 fps video", p => Ffmpeg(p, "240fps.mp4",
            ["-f", "lavfi", "-i", "testsrc2=size=64x64:rate=240:duration=1", "-c:v", "libx264", "-preset", "ultrafast"]), Expect.Refused,
            "video_fps_too_high"),
        new("7 h video of 16x16 (over 6 h)", p => Ffmpeg(p, "7h.mp4",
            ["-f", "lavfi", "-i", "color=s=16x16:r=1:d=25200", "-c:v", "libx264", "-preset", "ultrafast", "-g", "600"]), Expect.Refused,
            "video_duration_too_long"),
        new("PNG image renamed .mp4", async p => Copy(await TestMedia.ImageAsync(), p), Expect.RefusedOrFailed),
        new("audio only", async p => Copy(await TestMedia.AudioOnlyAsync(), p), Expect.Published, Filename: "audio.m4a"),
        new("mp4 truncated after a front moov", FrontMoovTruncatedAsync, Expect.Published),
    ];

    private static async Task<string> FrontMoovTruncatedAsync(string path)
    {
        var full = await TestMedia.LavfiAsync("six-seconds-faststart.mp4",
            ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25", "-t", "6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]);
        var bytes = await File.ReadAllBytesAsync(full);
        return await Write(path, bytes[..(bytes.Length / 2)]);
    }

    private static async Task<string> Ffmpeg(string path, string name, IReadOnlyList<string> arguments) =>
        Copy(await TestMedia.LavfiAsync(name, arguments), path);

    private static string Copy(string from, string to)
    {
        File.Copy(from, to, overwrite: true);
        return to;
    }

    private static async Task<string> Write(string path, byte[] bytes)
    {
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    private static Task<string> Text(string path, string text) => Write(path, Encoding.UTF8.GetBytes(text));

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(15).NextBytes(bytes);
        return bytes;
    }
}
