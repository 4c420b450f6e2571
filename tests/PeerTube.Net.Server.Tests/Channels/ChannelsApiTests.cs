using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;
using SkiaSharp;

namespace PeerTube.Net.Server.Tests.Channels;

/// <summary>
/// A creator's channels (PeerTube's /video-channels): made, changed, given an avatar and a banner, and removed with their
/// videos; each write tried as another user and anonymously.
/// </summary>
public sealed class ChannelsApiTests(ChannelsApiTests.Site site) : IClassFixture<ChannelsApiTests.Site>
{
    /// <summary>One server for the class: root, alice and bob, and an anonymous client. Each test uses its own channels and users.</summary>
    public sealed class Site : IAsyncLifetime
    {
        public ServerApplication Server { get; private set; } = null!;
        public PeerTubeClient Root { get; private set; } = null!;
        public PeerTubeClient Alice { get; private set; } = null!;
        public PeerTubeClient Bob { get; private set; } = null!;
        public HttpClient Anonymous { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
            Root = await PeerTubeClient.LoginAsRootAsync(Server);
            Alice = await Root.CreateUserAndLoginAsync(Server, "alice");
            Bob = await Root.CreateUserAndLoginAsync(Server, "bob");
            Anonymous = PeerTubeClient.CreateHttpClient(Server);
        }

        public async ValueTask DisposeAsync()
        {
            Root.Dispose();
            Alice.Dispose();
            Bob.Dispose();
            Anonymous.Dispose();
            await Server.DisposeAsync();
        }
    }

    private ServerApplication _server => site.Server;
    private PeerTubeClient _root => site.Root;
    private PeerTubeClient _alice => site.Alice;
    private PeerTubeClient _bob => site.Bob;
    private HttpClient _anonymous => site.Anonymous;

    [Fact]
    public async Task A_creator_makes_changes_and_removes_a_second_channel_and_its_videos()
    {
        var created = await _alice.Http.PostAsJsonAsync("/api/v1/video-channels",
            new { name = "alice_music", displayName = "Alice plays", description = "Songs I play", support = "Tip jar" });
        await created.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("videoChannel").GetProperty("id").GetInt32();

        // One namespace for accounts and channels, as on PeerTube.
        foreach (var taken in new[] { "alice_music", "bob", "bob_channel" })
        {
            await (await _alice.Http.PostAsJsonAsync("/api/v1/video-channels", new { name = taken, displayName = "x" }))
                .ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        }

        await (await _alice.Http.PostAsJsonAsync("/api/v1/video-channels", new { name = "Not Valid!", displayName = "" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var channel = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/alice_music");
        Assert.Equal(id, channel.GetProperty("id").GetInt32());
        Assert.Equal("Alice plays", channel.GetProperty("displayName").GetString());
        Assert.Equal("Songs I play", channel.GetProperty("description").GetString());
        Assert.Equal("Tip jar", channel.GetProperty("support").GetString());
        Assert.Equal("alice", channel.GetProperty("ownerAccount").GetProperty("name").GetString());

        // Another user may not change it; nobody anonymous may; its owner may.
        object update = new { displayName = "Alice sings", support = "" };
        await (await _bob.Http.PutAsJsonAsync("/api/v1/video-channels/alice_music", update)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.PutAsJsonAsync("/api/v1/video-channels/alice_music", update)).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await _alice.Http.PutAsJsonAsync("/api/v1/video-channels/alice_music", update)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        channel = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/alice_music");
        Assert.Equal("Alice sings", channel.GetProperty("displayName").GetString());
        Assert.Equal(JsonValueKind.Null, channel.GetProperty("support").ValueKind);

        // Listed, with PeerTube's paging and stats.
        var mine = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/alice/video-channels?withStats=true&sort=name");
        Assert.Equal(new[] { "alice_channel", "alice_music" }, mine.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(0, mine.GetProperty("data")[1].GetProperty("videosCount").GetInt32());
        Assert.Equal(JsonValueKind.Array, mine.GetProperty("data")[1].GetProperty("viewsPerDay").ValueKind);
        var all = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels?count=2&sort=-createdAt");
        Assert.True(all.GetProperty("total").GetInt32() >= 4);
        Assert.Equal("alice_music", all.GetProperty("data")[0].GetProperty("name").GetString());

        // A video in it goes with it, through the videos' own removal.
        var upload = await _alice.UploadAsync(await TestMedia.VideoAsync(seconds: 1), "In the music channel", channelId: id);
        await upload.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var videoId = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video").GetProperty("id").GetInt32();
        await _alice.WaitForTranscodingAsync(videoId);

        await (await _bob.Http.DeleteAsync("/api/v1/video-channels/alice_music")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.DeleteAsync("/api/v1/video-channels/alice_music")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await _alice.Http.DeleteAsync("/api/v1/video-channels/alice_music")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _anonymous.GetAsync("/api/v1/video-channels/alice_music")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await _anonymous.GetAsync($"/api/v1/videos/{videoId}")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);

        // The last channel stays (PeerTube's rule), even for a moderator.
        await (await _alice.Http.DeleteAsync("/api/v1/video-channels/alice_channel")).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        await (await _root.Http.DeleteAsync("/api/v1/video-channels/alice_channel")).ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
    }

    [Fact]
    public async Task A_channels_avatar_and_banner_are_re_encoded_in_PeerTubes_sizes_served_and_removed()
    {
        var png = TestImages.Png(800, 500, SKColors.OrangeRed);
        var form = () => TestImages.Form("avatarfile", png);
        await (await _bob.Http.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", form())).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", form())).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);

        var picked = await _alice.Http.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", form());
        await picked.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var avatars = (await picked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("avatars").EnumerateArray().ToList();
        Assert.Equal(new[] { 1500, 600, 120, 48 }, avatars.Select(a => a.GetProperty("width").GetInt32()));
        var small = avatars[3].GetProperty("path").GetString()!;
        Assert.StartsWith("/lazy-static/avatars/", small);
        Assert.Equal("http://localhost" + small, avatars[3].GetProperty("fileUrl").GetString());
        var served = await _anonymous.GetAsync(small);
        await served.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal("image/jpeg", served.Content.Headers.ContentType?.MediaType);
        Assert.Equal((48, 48, SKEncodedImageFormat.Jpeg), TestImages.Describe(await served.Content.ReadAsByteArrayAsync()));

        var banner = await _alice.Http.PostAsync("/api/v1/video-channels/alice_channel/banner/pick", TestImages.Form("bannerfile", png));
        await banner.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var banners = (await banner.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("banners").EnumerateArray().ToList();
        Assert.Equal(new[] { (1920, 317), (600, 100) }, banners.Select(b => (b.GetProperty("width").GetInt32(), b.GetProperty("height").GetInt32())));
        Assert.StartsWith("/lazy-static/banners/", banners[0].GetProperty("path").GetString());

        var channel = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/alice_channel");
        Assert.Equal(4, channel.GetProperty("avatars").GetArrayLength());
        Assert.Equal(2, channel.GetProperty("banners").GetArrayLength());
        var actor = await ActorDocumentAsync("/video-channels/alice_channel");
        Assert.Equal(4, actor.GetProperty("icon").GetArrayLength());
        Assert.Equal("http://localhost" + banners[0].GetProperty("path").GetString(), actor.GetProperty("image")[0].GetProperty("url").GetString());

        // Not an image, or too large: PeerTube's 400, and nothing changes.
        await (await _alice.Http.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", TestImages.Form("avatarfile", "not an image"u8.ToArray())))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _alice.Http.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", TestImages.Form("avatarfile", png, "picture.exe")))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _alice.Http.PostAsync("/api/v1/video-channels/alice_channel/avatar/pick", TestImages.Form("avatarfile", new byte[4 * 1024 * 1024 + 1])))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        // Deleting: another user may not; the owner may, and the files go.
        await (await _bob.Http.DeleteAsync("/api/v1/video-channels/alice_channel/avatar")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.DeleteAsync("/api/v1/video-channels/alice_channel/banner")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await _alice.Http.DeleteAsync("/api/v1/video-channels/alice_channel/avatar")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _anonymous.GetAsync(small)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        foreach (var avatar in avatars)
        {
            Assert.False(File.Exists(_server.StoragePath("avatars", Path.GetFileName(avatar.GetProperty("path").GetString()!))));
        }

        Assert.True(File.Exists(_server.StoragePath("avatars", Path.GetFileName(banners[0].GetProperty("path").GetString()!))));
        channel = await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/alice_channel");
        Assert.Equal(0, channel.GetProperty("avatars").GetArrayLength());
    }

    [Fact]
    public async Task A_user_changes_their_profile_password_and_avatar_and_removes_themselves()
    {
        using var carol = await _root.CreateUserAndLoginAsync(_server, "carol");
        using var carolElsewhere = await PeerTubeClient.LoginAsync(_server, "carol", "carol-password");
        await (await _anonymous.PutAsJsonAsync("/api/v1/users/me", new { displayName = "x" })).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new
        {
            displayName = "Carol C.", description = "I film birds", nsfwPolicy = "blur", p2pEnabled = false, autoPlayVideo = false,
            videoLanguages = new[] { "en", "fr" },
        })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new { nsfwPolicy = "sometimes" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);

        var me = await carol.MeAsync();
        Assert.Equal("Carol C.", me.GetProperty("account").GetProperty("displayName").GetString());
        Assert.Equal("I film birds", me.GetProperty("account").GetProperty("description").GetString());
        Assert.Equal("blur", me.GetProperty("nsfwPolicy").GetString());
        Assert.False(me.GetProperty("p2pEnabled").GetBoolean());
        Assert.False(me.GetProperty("autoPlayVideo").GetBoolean());
        Assert.Equal(new[] { "en", "fr" }, me.GetProperty("videoLanguages").EnumerateArray().Select(l => l.GetString()));

        // A new password or email needs the current password; the other sessions end.
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new { password = "new-password-1" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new { password = "new-password-1", currentPassword = "wrong" }))
            .ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new { email = "alice@example.test", currentPassword = "carol-password" }))
            .ShouldBeErrorAsync(HttpStatusCode.Conflict, null);
        await (await carol.Http.PutAsJsonAsync("/api/v1/users/me", new { password = "new-password-1", currentPassword = "carol-password", email = "c@example.test" }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal("c@example.test", (await carol.MeAsync()).GetProperty("email").GetString());
        await (await carolElsewhere.Http.GetAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        (await PeerTubeClient.LoginAsync(_server, "carol", "new-password-1")).Dispose();

        var picked = await carol.Http.PostAsync("/api/v1/users/me/avatar/pick", TestImages.Form("avatarfile", TestImages.Png(300, 300, SKColors.Teal), "me.jpg"));
        await picked.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal(4, (await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/carol")).GetProperty("avatars").GetArrayLength());
        await (await _anonymous.PostAsync("/api/v1/users/me/avatar/pick", TestImages.Form("avatarfile", TestImages.Png(10, 10, SKColors.Teal))))
            .ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        await (await carol.Http.DeleteAsync("/api/v1/users/me/avatar")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(0, (await _anonymous.GetFromJsonAsync<JsonElement>("/api/v1/accounts/carol")).GetProperty("avatars").GetArrayLength());
        await carol.Http.PostAsync("/api/v1/users/me/avatar/pick", TestImages.Form("avatarfile", TestImages.Png(300, 300, SKColors.Teal)));

        // Self-removal: root may not; carol may, and her account, avatar files and sessions go.
        await (await _root.Http.DeleteAsync("/api/v1/users/me")).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await _anonymous.DeleteAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        var before = Directory.GetFiles(_server.StoragePath("avatars")).Length;
        await (await carol.Http.DeleteAsync("/api/v1/users/me")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await _anonymous.GetAsync("/api/v1/accounts/carol")).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.Equal(before - 4, Directory.GetFiles(_server.StoragePath("avatars")).Length);
    }

    [Fact]
    public async Task Followers_of_a_channel_or_account_are_for_its_owner_and_moderators()
    {
        var list = await _alice.Http.GetFromJsonAsync<JsonElement>("/api/v1/video-channels/alice_channel/followers");
        Assert.Equal(0, list.GetProperty("total").GetInt32());
        await (await _alice.Http.GetAsync("/api/v1/accounts/alice/followers")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await _root.Http.GetAsync("/api/v1/accounts/alice/followers")).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await _bob.Http.GetAsync("/api/v1/video-channels/alice_channel/followers")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _bob.Http.GetAsync("/api/v1/accounts/alice/followers")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        await (await _anonymous.GetAsync("/api/v1/accounts/alice/followers")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<JsonElement> ActorDocumentAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("application/activity+json");
        var response = await _anonymous.SendAsync(request);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
