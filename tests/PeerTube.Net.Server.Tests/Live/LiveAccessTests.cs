using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Live;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>Who may create a live and see its secrets, what a live accepts, and the limits (SQLite).</summary>
public sealed class LiveAccessTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Live:MaxInstanceLives"] = "2" });
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
    public async Task The_stream_key_is_for_the_owner_and_admins_only()
    {
        var anonymous = PeerTubeClient.CreateHttpClient(_server);
        var refused = await anonymous.PostAsJsonAsync("/api/v1/videos/live", new { channelId = 1, name = "Sneaky live" });
        await refused.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");

        var id = await _owner.CreateLiveAsync("Secret key inside", new { saveReplay = true, replaySettings = new { privacy = 2 }, latencyMode = 2 });
        var mine = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}");
        var key = mine.GetProperty("streamKey").GetString()!;
        Assert.Equal(36, key.Length);
        Assert.True(mine.GetProperty("saveReplay").GetBoolean());
        Assert.Equal(2, mine.GetProperty("replaySettings").GetProperty("privacy").GetInt32());
        Assert.Equal(2, mine.GetProperty("latencyMode").GetInt32());
        Assert.StartsWith("rtmp://localhost:", mine.GetProperty("rtmpUrl").GetString());
        // RTMPS is off unless Live:Rtmps is enabled (LiveLadderTests).
        Assert.Equal(JsonValueKind.Null, mine.GetProperty("rtmpsUrl").ValueKind);
        Assert.Equal(key, (await _root.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}")).GetProperty("streamKey").GetString());

        await (await _stranger.Http.GetAsync($"/api/v1/videos/live/{id}")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await anonymous.GetAsync($"/api/v1/videos/live/{id}")).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_token");
        await (await _stranger.Http.GetAsync($"/api/v1/videos/live/{id}/sessions")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _stranger.Http.PutAsJsonAsync($"/api/v1/videos/live/{id}", new { permanentLive = true })).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        // Nowhere in the public JSON.
        foreach (var path in new[] { $"/api/v1/videos/{id}", "/api/v1/videos?isLive=true", $"/api/v1/videos/{id}/description" })
        {
            Assert.DoesNotContain(key, await anonymous.GetStringAsync(path));
            Assert.DoesNotContain(key, await _stranger.Http.GetStringAsync(path));
        }
    }

    [Fact]
    public async Task The_owner_changes_the_settings_and_bad_input_is_a_400()
    {
        var id = await _owner.CreateLiveAsync("Settings");
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/live/{id}", new { permanentLive = true, latencyMode = 3 }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var live = await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{id}");
        Assert.True(live.GetProperty("permanentLive").GetBoolean());
        Assert.Equal(3, live.GetProperty("latencyMode").GetInt32());
        Assert.False(live.GetProperty("saveReplay").GetBoolean());

        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/live/{id}", new { latencyMode = 9 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.Http.PutAsJsonAsync($"/api/v1/videos/live/{id}", new { permanentLive = "perhaps" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.PostLiveAsync("x")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _owner.PostLiveAsync("Bad latency", new { latencyMode = 0 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        var invalidJson = await _owner.Http.PostAsync("/api/v1/videos/live", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        await invalidJson.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
        var huge = await _owner.Http.PostAsync("/api/v1/videos/live",
            new StringContent($"{{\"name\":\"{new string('a', 100_000)}\"}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);

        var multipart = new MultipartFormDataContent
        {
            { new StringContent((await _owner.MyChannelIdAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture)), "channelId" },
            { new StringContent("Multipart live"), "name" },
            { new StringContent("true"), "permanentLive" },
        };
        var created = await _owner.Http.PostAsync("/api/v1/videos/live", multipart);
        await created.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var createdId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video").GetProperty("id").GetInt32();
        Assert.True((await _owner.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/live/{createdId}")).GetProperty("permanentLive").GetBoolean());

        var upload = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(), "Not a live");
        await (await _owner.Http.GetAsync($"/api/v1/videos/live/{upload.GetProperty("id").GetInt32()}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
    }

    [Fact]
    public async Task Live_can_be_turned_off_the_user_limit_holds_and_bad_options_stop_the_start()
    {
        await using (var off = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Live:Enabled"] = "false" }))
        {
            using var root = await PeerTubeClient.LoginAsRootAsync(off);
            await (await root.PostLiveAsync("Not here")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "live_not_enabled");
            Assert.Null(off.Services.GetRequiredService<LiveIngest>().EndPoint);
        }

        await using (var one = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Live:MaxUserLives"] = "1" }))
        {
            using var root = await PeerTubeClient.LoginAsRootAsync(one);
            using var user = await root.CreateUserAndLoginAsync(one, "busy");
            await user.CreateLiveAsync("My only live");
            await (await user.PostLiveAsync("One more")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "max_user_lives_limit_reached");
            await root.CreateLiveAsync("The admin's own");
        }

        var bad = await Assert.ThrowsAnyAsync<Exception>(() =>
            ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Live:MaxInstanceLives"] = "-5" }));
        Assert.Contains("MaxInstanceLives", bad.ToString());
    }

    [Fact]
    public async Task The_instance_limit_holds_at_creation_and_at_ingest()
    {
        var first = await _owner.CreateLiveAsync("First");
        var second = await _stranger.CreateLiveAsync("Second");
        await (await _root.PostLiveAsync("Third")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, "max_instance_lives_limit_reached");

        // An admin lowers the limit under lives already made: the ingest still takes only one stream at a time.
        _server.Services.GetRequiredService<IOptions<LiveOptions>>().Value.MaxInstanceLives = 1;
        var (port, firstKey) = await _owner.RtmpOfAsync(first);
        var (_, secondKey) = await _stranger.RtmpOfAsync(second);
        using var streaming = LiveTestKit.Publish(port, firstKey, seconds: 10);
        await _owner.WaitForStateAsync(first, 1);

        using var refused = LiveTestKit.Publish(port, secondKey, seconds: 2);
        var (exit, _) = await refused.WaitAsync();
        Assert.NotEqual(0, exit);
        Assert.Equal(4, (await _stranger.GetVideoAsync(second)).GetProperty("state").GetProperty("id").GetInt32());

        var (firstExit, stderr) = await streaming.WaitAsync();
        Assert.True(firstExit == 0, stderr);
        await _owner.WaitForStateAsync(first, 5);
    }
}
