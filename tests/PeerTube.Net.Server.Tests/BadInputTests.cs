using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// Bad input gets a clear 4xx with a machine-readable code, leaves nothing behind, and the server keeps working.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const long MaxFileSize = 3 * 1024 * 1024;
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
        new Dictionary<string, string?> { ["Uploads:MaxFileSizeBytes"] = MaxFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Garbage_bytes_named_mp4_are_refused_as_unreadable_and_nothing_is_kept()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await root.UploadAsync(await TestMedia.GarbageAsync(), "Garbage");
        await response.ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_unreadable");
        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
        await ServerStillAcceptsAGoodUploadAsync(root);
    }

    [Fact]
    public async Task A_truncated_mp4_is_refused_as_unreadable()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await root.UploadAsync(await TestMedia.TruncatedAsync(), "Truncated");
        await response.ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_unreadable");
        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
    }

    [Fact]
    public async Task A_zero_length_file_is_refused_in_both_protocols()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await root.UploadAsync(await TestMedia.EmptyAsync(), "Empty");
        await response.ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_empty");
        var resumable = await root.StartResumableUploadAsync("empty.mp4", 0, "Empty");
        await resumable.ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_empty");
        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
    }

    [Fact]
    public async Task An_audio_only_file_is_published_as_an_audio_rendition()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var created = await root.UploadVideoAsync(await TestMedia.AudioOnlyAsync(), "A song");
        var video = await root.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());

        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        var files = video.GetProperty("streamingPlaylists")[0].GetProperty("files").EnumerateArray().ToList();
        var audio = Assert.Single(files);
        Assert.Equal(0, audio.GetProperty("resolution").GetProperty("id").GetInt32());
        Assert.False(audio.GetProperty("hasVideo").GetBoolean());
        Assert.True(audio.GetProperty("hasAudio").GetBoolean());
        Assert.Empty(_server.LeftoverTemporaryFiles());
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_type_is_refused_as_unsupported()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await root.UploadAsync(await TestMedia.VideoAsync(), "Not a video", uploadFilename: "notes.txt");
        await response.ShouldBeErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var resumable = await root.StartResumableUploadAsync("notes.txt", 1000, "Not a video");
        await resumable.ShouldBeErrorAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task A_file_over_the_quota_is_refused_before_it_is_stored()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var source = await TestMedia.VideoAsync();
        using var small = await root.CreateUserAndLoginAsync(_server, "smallquota", videoQuota: new FileInfo(source).Length / 2);

        var response = await small.UploadAsync(source, "Too big for my quota");
        await response.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");
        var resumable = await small.StartResumableUploadAsync("big.mp4", new FileInfo(source).Length, "Too big for my quota");
        await resumable.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");
        await ShouldHaveNoVideosAndNoLeftoversAsync(small);
    }

    [Fact]
    public async Task A_file_over_the_maximum_size_is_refused_while_streaming()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var big = Path.Combine(Path.GetTempPath(), $"big-{Guid.NewGuid():N}.mp4");
        await File.WriteAllBytesAsync(big, new byte[MaxFileSize + 100_000]);
        try
        {
            var response = await root.UploadAsync(big, "Way too big");
            await response.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "max_file_size_reached");
            var resumable = await root.StartResumableUploadAsync("big.mp4", MaxFileSize + 1, "Way too big");
            await resumable.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "max_file_size_reached");
        }
        finally
        {
            File.Delete(big);
        }

        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
    }

    [Fact]
    public async Task A_chunk_at_the_wrong_offset_is_refused_and_the_upload_can_go_on()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync());
        var start = await root.StartResumableUploadAsync("clip.mp4", bytes.Length, "Ranges");
        var location = start.Headers.Location!.ToString();

        var gap = await root.PutChunkAsync(location, bytes, 1000, bytes.Length - 1);
        await gap.ShouldBeErrorAsync(HttpStatusCode.Conflict, "upload_range_mismatch");

        var first = await root.PutChunkAsync(location, bytes, 0, 999);
        Assert.Equal(308, (int)first.StatusCode);
        var overlap = await root.PutChunkAsync(location, bytes, 500, bytes.Length - 1);
        await overlap.ShouldBeErrorAsync(HttpStatusCode.Conflict, "upload_range_mismatch");
        Assert.Equal("bytes=0-999", overlap.Headers.GetValues("Range").Single());

        var rest = await root.PutChunkAsync(location, bytes, 1000, bytes.Length - 1);
        await rest.ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Unknown_or_foreign_uploads_are_not_found_and_a_cancelled_one_is_gone()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var other = await root.CreateUserAndLoginAsync(_server, "someoneelse");
        var bytes = await File.ReadAllBytesAsync(await TestMedia.VideoAsync());

        var unknown = await root.PutChunkAsync("/api/v1/videos/upload-resumable?upload_id=nope", bytes, 0, 99);
        await unknown.ShouldBeErrorAsync(HttpStatusCode.NotFound, "upload_not_found");

        var start = await root.StartResumableUploadAsync("clip.mp4", bytes.Length, "Mine");
        var location = start.Headers.Location!.ToString();
        var foreign = await other.PutChunkAsync(location, bytes, 0, 99);
        await foreign.ShouldBeErrorAsync(HttpStatusCode.NotFound, "upload_not_found");

        await root.PutChunkAsync(location, bytes, 0, 99);
        var cancel = await root.Http.DeleteAsync(location);
        await cancel.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var after = await root.PutChunkAsync(location, bytes, 100, 199);
        await after.ShouldBeErrorAsync(HttpStatusCode.NotFound, "upload_not_found");
        Assert.Empty(Directory.GetFiles(_server.StoragePath("tmp", "resumable-uploads")));
    }

    [Fact]
    public async Task A_resumable_upload_of_garbage_is_refused_at_its_last_chunk_and_its_bytes_are_dropped()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var bytes = await File.ReadAllBytesAsync(await TestMedia.GarbageAsync());
        var start = await root.StartResumableUploadAsync("garbage.mp4", bytes.Length, "Garbage");
        var response = await root.PutChunkAsync(start.Headers.Location!.ToString(), bytes, 0, bytes.Length - 1);
        await response.ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_unreadable");
        Assert.Empty(Directory.GetFiles(_server.StoragePath("tmp", "resumable-uploads")));
        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
    }

    [Fact]
    public async Task Missing_or_invalid_fields_are_named_in_the_error()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await root.UploadAsync(await TestMedia.VideoAsync(), "x", fields: new Dictionary<string, string> { ["privacy"] = "42" });
        var body = await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var invalid = body.GetProperty("invalid-params");
        Assert.True(invalid.TryGetProperty("name", out _));
        Assert.True(invalid.TryGetProperty("privacy", out _));

        var otherChannel = await root.UploadAsync(await TestMedia.VideoAsync(), "Somebody else's channel", channelId: 987654);
        await otherChannel.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "unknown_video_channel");
        await ShouldHaveNoVideosAndNoLeftoversAsync(root);
    }

    [Fact]
    public async Task Anonymous_uploads_are_refused()
    {
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var response = await anonymous.UploadAsync(await TestMedia.VideoAsync(), "Anonymous", channelId: 1);
        await response.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
    }

    private async Task ShouldHaveNoVideosAndNoLeftoversAsync(PeerTubeClient client)
    {
        var mine = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me/videos");
        Assert.Equal(0, mine.GetProperty("total").GetInt32());
        Assert.Empty(_server.LeftoverTemporaryFiles());
    }

    private static async Task ServerStillAcceptsAGoodUploadAsync(PeerTubeClient client)
    {
        var created = await client.UploadVideoAsync(await TestMedia.VideoAsync(), "A good one after a bad one");
        var video = await client.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
    }
}
