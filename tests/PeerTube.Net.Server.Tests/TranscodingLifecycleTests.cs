using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Uploads;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

public sealed class TranscodingLifecycleTests
{
    [Fact]
    public async Task When_ffmpeg_fails_the_video_is_marked_failed_with_a_reason_and_the_server_goes_on()
    {
        // ffprobe works, so the upload is accepted; this ffmpeg answers the start-up checks, then fails every transcode.
        var brokenFfmpeg = Path.Combine(Path.GetTempPath(), $"broken-ffmpeg-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(brokenFfmpeg,
            "#!/bin/sh\ncase \"$*\" in *-version*|*-encoders*) exec ffmpeg \"$@\" ;; esac\necho 'Conversion failed!' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(brokenFfmpeg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Transcoding:FfmpegPath"] = brokenFfmpeg });
        using var root = await PeerTubeClient.LoginAsRootAsync(server);

        var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(), "Doomed");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());

        Assert.Equal(7, video.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal("Transcoding failed", video.GetProperty("state").GetProperty("label").GetString());
        Assert.StartsWith("Transcoding failed", video.GetProperty("transcodingError").GetString());
        Assert.Contains("Conversion failed!", video.GetProperty("transcodingError").GetString());
        Assert.Empty(video.GetProperty("files").EnumerateArray());
        Assert.Empty(Directory.EnumerateFileSystemEntries(server.StoragePath("tmp", "transcode")));

        var mine = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos");
        Assert.Equal(7, mine.GetProperty("data")[0].GetProperty("state").GetProperty("id").GetInt32());
        var publicList = await root.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos");
        Assert.Equal(0, publicList.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_thumbnail_sent_with_the_upload_is_kept_instead_of_a_generated_one()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("With my own thumbnail"), "name" },
            { new StringContent((await root.MyChannelIdAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture)), "channelId" },
        };
        var video = new StreamContent(File.OpenRead(await TestMedia.VideoAsync()));
        video.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(video, "videofile", "clip.mp4");
        var image = new StreamContent(File.OpenRead(await TestMedia.ImageAsync()));
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "thumbnailfile", "thumb.png");

        var response = await root.Http.PostAsync("/api/v1/videos/upload", form);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video").GetProperty("id").GetInt32();
        var before = await root.GetVideoAsync(id);
        var thumbnailPath = before.GetProperty("thumbnailPath").GetString();
        Assert.NotNull(thumbnailPath);

        var published = await root.WaitForTranscodingAsync(id);
        Assert.Equal(thumbnailPath, published.GetProperty("thumbnailPath").GetString());
        var served = await root.Http.GetAsync(thumbnailPath);
        await served.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var size = await TestMedia.RunFfmpegAsync(
            ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", server.StoragePath("thumbnails", Path.GetFileName(thumbnailPath))],
            "ffprobe");
        Assert.Equal("280,157", size.Trim());
        Assert.NotNull(published.GetProperty("previewPath").GetString());
    }

    [Fact]
    public async Task Unfinished_resumable_uploads_expire_and_their_bytes_are_removed()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync());
        var start = await root.StartResumableUploadAsync("clip.mp4", bytes.Length, "Abandoned");
        var location = start.Headers.Location!.ToString();
        Assert.Equal(308, (int)(await root.PutChunkAsync(location, bytes, 0, 999)).StatusCode);
        Assert.Single(Directory.GetFiles(server.StoragePath("tmp", "resumable-uploads")));

        var scopes = server.Services.GetRequiredService<IServiceScopeFactory>();
        Assert.Equal(0, await ExpiredUploadsSweeper.SweepAsync(scopes, TimeProvider.System, CancellationToken.None));
        var aDayLater = new ShiftedClock(TimeSpan.FromHours(25));
        Assert.Equal(1, await ExpiredUploadsSweeper.SweepAsync(scopes, aDayLater, CancellationToken.None));

        Assert.Empty(Directory.GetFiles(server.StoragePath("tmp", "resumable-uploads")));
        var gone = await root.PutChunkAsync(location, bytes, 1000, bytes.Length - 1);
        await gone.ShouldBeErrorAsync(HttpStatusCode.NotFound, "upload_not_found");
    }

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}
