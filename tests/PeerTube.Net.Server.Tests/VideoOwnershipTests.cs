using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>Every mutating video endpoint, tried as the wrong user; privacy on both the API and the files.</summary>
public sealed class VideoOwnershipTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "owner");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "stranger");
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        _stranger.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Only_the_owner_or_an_admin_may_change_a_video()
    {
        var id = await PublishedVideoAsync("Mine to change");

        var byStranger = await _stranger.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { name = "Hijacked" });
        await byStranger.ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var byAnonymous = await PeerTubeClient.CreateHttpClient(_server).PutAsJsonAsync($"/api/v1/videos/{id}", new { name = "Hijacked" });
        await byAnonymous.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
        Assert.Equal("Mine to change", (await _owner.GetVideoAsync(id)).GetProperty("name").GetString());

        var byOwner = await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { name = "Renamed by owner", tags = new[] { "edited" }, nsfw = true });
        await byOwner.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var changed = await _owner.GetVideoAsync(id);
        Assert.Equal("Renamed by owner", changed.GetProperty("name").GetString());
        Assert.True(changed.GetProperty("nsfw").GetBoolean());
        Assert.Equal("edited", changed.GetProperty("tags")[0].GetString());

        var byAdmin = await _root.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { description = "Moderated" });
        await byAdmin.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal("Moderated", (await _owner.GetVideoAsync(id)).GetProperty("description").GetString());

        var invalid = await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { name = "x" });
        await invalid.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var strangerChannel = await _stranger.MyChannelIdAsync();
        var moveToForeignChannel = await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { channelId = strangerChannel });
        await moveToForeignChannel.ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
    }

    [Fact]
    public async Task Only_the_owner_or_an_admin_may_delete_a_video_and_deleting_removes_its_files()
    {
        var id = await PublishedVideoAsync("Mine to delete");
        var video = await _owner.GetVideoAsync(id);
        var directory = _server.StoragePath("streaming-playlists", "hls", video.GetProperty("uuid").GetString()!);
        var thumbnail = _server.StoragePath("thumbnails", Path.GetFileName(video.GetProperty("thumbnailPath").GetString()!));
        Assert.True(Directory.Exists(directory));
        Assert.True(File.Exists(thumbnail));

        await (await _stranger.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await PeerTubeClient.CreateHttpClient(_server).DeleteAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        Assert.True(Directory.Exists(directory));

        await (await _owner.Http.DeleteAsync($"/api/v1/videos/{id}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.False(Directory.Exists(directory));
        await (await _owner.Http.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.False(File.Exists(thumbnail));

        var byAdmin = await PublishedVideoAsync("Removed by an admin");
        await (await _root.Http.DeleteAsync($"/api/v1/videos/{byAdmin}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_private_video_is_hidden_from_everyone_but_its_owner_on_the_API_and_the_files()
    {
        var id = await PublishedVideoAsync("Secret", privacy: 3);
        var anonymous = PeerTubeClient.CreateHttpClient(_server);

        await (await anonymous.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        await (await _stranger.Http.GetAsync($"/api/v1/videos/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var video = await _owner.GetVideoAsync(id);
        var uuid = video.GetProperty("uuid").GetString()!;
        var playlistUrl = video.GetProperty("streamingPlaylists")[0].GetProperty("playlistUrl").GetString()!;
        Assert.Contains($"/static/streaming-playlists/hls/private/{uuid}/", playlistUrl);

        var list = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/videos?count=100");
        Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);

        // The files: not under the public path, and only with proof of access under the private one.
        await (await anonymous.GetAsync(playlistUrl.Replace("/private/", "/"))).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await anonymous.GetAsync(playlistUrl)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _stranger.Http.GetAsync(playlistUrl)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _owner.Http.GetAsync(playlistUrl)).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var strangerToken = await _stranger.Http.PostAsync($"/api/v1/videos/{id}/token", null);
        await strangerToken.ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        var tokenResponse = await _owner.Http.PostAsync($"/api/v1/videos/{id}/token", null);
        await tokenResponse.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("files").GetProperty("token").GetString();
        await (await anonymous.GetAsync($"{playlistUrl}?videoFileToken={token}")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await anonymous.GetAsync($"{playlistUrl}?videoFileToken={token}0")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        // Made public, it moves to the public path.
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/{id}", new { privacy = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await anonymous.GetAsync(playlistUrl.Replace("/private/", "/"))).ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Downloads_honour_the_creators_choice()
    {
        var id = await PublishedVideoAsync("No downloads", downloadEnabled: false);
        var file = (await _owner.GetVideoAsync(id)).GetProperty("files")[0].GetProperty("fileDownloadUrl").GetString();
        await (await PeerTubeClient.CreateHttpClient(_server).GetAsync(file)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _owner.Http.GetAsync(file)).ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_video_the_creator_did_not_wait_for_is_listed_while_transcoding_and_one_they_did_is_not()
    {
        var waiting = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(), "Waits", new Dictionary<string, string> { ["waitTranscoding"] = "true" });
        var notWaiting = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(), "Does not wait", new Dictionary<string, string> { ["waitTranscoding"] = "false" });
        var ids = new[] { waiting.GetProperty("id").GetInt32(), notWaiting.GetProperty("id").GetInt32() };

        // Snapshot the listing alongside each video's state at that moment; the rule must hold whatever the timing.
        var list = await PeerTubeClient.CreateHttpClient(_server).GetFromJsonAsync<JsonElement>("/api/v1/video-channels/owner_channel/videos?count=100");
        var listed = list.GetProperty("data").EnumerateArray().Select(v => (Id: v.GetProperty("id").GetInt32(), State: v.GetProperty("state").GetProperty("id").GetInt32())).ToList();
        Assert.Contains(listed, v => v.Id == ids[1]);
        Assert.DoesNotContain(listed, v => v.Id == ids[0] && v.State != 1);

        foreach (var id in ids)
        {
            await _owner.WaitForTranscodingAsync(id);
        }

        var after = await PeerTubeClient.CreateHttpClient(_server).GetFromJsonAsync<JsonElement>("/api/v1/video-channels/owner_channel/videos?count=100");
        Assert.All(ids, id => Assert.Contains(after.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetInt32() == id));
    }

    private async Task<int> PublishedVideoAsync(string name, int privacy = 1, bool downloadEnabled = true)
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90), name, new Dictionary<string, string>
        {
            ["privacy"] = privacy.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["downloadEnabled"] = downloadEnabled ? "true" : "false",
        });
        var id = created.GetProperty("id").GetInt32();
        var video = await _owner.WaitForTranscodingAsync(id);
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        return id;
    }
}
