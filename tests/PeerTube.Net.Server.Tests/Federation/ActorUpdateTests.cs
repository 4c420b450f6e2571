using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Channels;
using PeerTube.Net.Server.Tests.Infrastructure;
using SkiaSharp;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// A PeerTube channel changes its name, description, support and avatar, and says so with an Update of its Group
/// (a replayed capture): our copy follows, and the new avatar is fetched from the origin and re-encoded on its first
/// request. The same Update signed by anyone but the channel itself is dropped.
/// </summary>
public sealed class ActorUpdateTests : IAsyncLifetime
{
    private const string Update = "peertube/update-group.json";
    private ServerApplication _server = null!;
    private HttpClient _http = null!;
    private readonly FakeRemote _peertube = new();
    private string Handle => $"chocobozzz_channel@{_peertube.Host}";

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        _http = _server.CreateClient();
        _peertube.Serve("/accounts/chocobozzz", FederationTestKit.Fixture("peertube/person.json"));
        _peertube.Serve("/video-channels/chocobozzz_channel", FederationTestKit.Fixture("peertube/group.json"));
        _peertube.ServeFile("/lazy-static/avatars/7a1c9e52-6f0b-4d8e-b1f4-2c9d3e5a7b10.png", TestImages.Png(640, 640, SKColors.Gold), "image/png");
        await _server.FollowedAsync($"{_peertube.BaseUrl}/video-channels/chocobozzz_channel");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _peertube.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_channels_Update_from_the_channel_itself_changes_our_copy_and_its_avatar()
    {
        var before = await _http.GetFromJsonAsync<JsonElement>($"/api/v1/video-channels/{Handle}");
        Assert.Equal("Walks with the gang", before.GetProperty("displayName").GetString());

        var row = await ReplayAsync(FederationTestKit.Fixture(Update), "/video-channels/chocobozzz_channel");
        Assert.Null(row.Error);

        var channel = await _http.GetFromJsonAsync<JsonElement>($"/api/v1/video-channels/{Handle}");
        Assert.Equal("Walks with the whole gang", channel.GetProperty("displayName").GetString());
        Assert.Equal("Walking with our dogs, every day now.", channel.GetProperty("description").GetString());
        Assert.Equal("Buy the dogs a treat", channel.GetProperty("support").GetString());
        var avatars = channel.GetProperty("avatars").EnumerateArray().ToList();
        Assert.Equal(new[] { 600, 48 }, avatars.Select(a => a.GetProperty("width").GetInt32()));

        // Served from our lazy-static path: fetched from the origin once, as our own JPEG at the announced size.
        var large = await _http.GetAsync(avatars[0].GetProperty("path").GetString());
        await large.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal((600, 600, SKEncodedImageFormat.Jpeg), TestImages.Describe(await large.Content.ReadAsByteArrayAsync()));
        // The 48 px one is not served by the origin: nothing to show, and no error of ours.
        await (await _http.GetAsync(avatars[1].GetProperty("path").GetString())).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_Update_of_a_channel_signed_by_another_actor_is_dropped()
    {
        // The owning account of the same origin signs an Update of the channel's Group: only the channel speaks for itself.
        var forged = JsonNode.Parse(_peertube.Expand(FederationTestKit.Fixture(Update)))!;
        forged["actor"] = $"{_peertube.BaseUrl}/accounts/chocobozzz";
        forged["id"] = $"{_peertube.BaseUrl}/accounts/chocobozzz/updates/forged";
        forged["object"]!["name"] = "Taken over";
        var row = await ReplayAsync(forged.ToJsonString(), "/accounts/chocobozzz");
        Assert.Equal("an actor may only update itself", row.Error);

        var channel = await _http.GetFromJsonAsync<JsonElement>($"/api/v1/video-channels/{Handle}");
        Assert.Equal("Walks with the gang", channel.GetProperty("displayName").GetString());
    }

    private async Task<InboxActivity> ReplayAsync(string json, string actorPath)
    {
        var response = await _peertube.PostAsync("http://localhost/inbox", json, $"{_peertube.BaseUrl}{actorPath}#main-key", via: _http);
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var id = JsonDocument.Parse(_peertube.Expand(json)).RootElement.GetProperty("id").GetString()!;
        return await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = _server.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            return await db.InboxActivities.AsNoTracking().FirstOrDefaultAsync(a => a.ActivityId == id && a.ProcessedAt != null);
        }, $"the Update {id} to be processed");
    }
}

/// <summary>Two of our instances: B follows A; A's channel gets a new avatar, and B shows it, fetched from A and re-encoded.</summary>
public sealed class ChannelAvatarFederationTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_channels_new_avatar_arrives_on_a_following_instance()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        using var rootA = await _a.LoginAsRootAsync();
        using var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync(_a.Host(), _a, _b);

        var picked = await rootA.Http.PostAsync("/api/v1/video-channels/root_channel/avatar/pick",
            TestImages.Form("avatarfile", TestImages.Png(400, 400, SKColors.MediumPurple)));
        await picked.ShouldHaveStatusAsync(HttpStatusCode.OK);
        await (await rootA.Http.PutAsJsonAsync("/api/v1/video-channels/root_channel", new { displayName = "Root's films" }))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        using var anonymousB = _b.Anonymous();
        var channel = await FederationTestKit.EventuallyAsync(async () =>
        {
            var response = await anonymousB.Http.GetAsync($"/api/v1/video-channels/root_channel@{_a.Host()}");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (JsonElement?)null;
            }

            var c = await response.Content.ReadFromJsonAsync<JsonElement>();
            return c.GetProperty("avatars").GetArrayLength() == 4 && c.GetProperty("displayName").GetString() == "Root's films" ? c : null;
        }, "A's channel with its new avatar and name on B", _a, _b);

        var smallest = channel!.Value.GetProperty("avatars")[3];
        Assert.Equal(48, smallest.GetProperty("width").GetInt32());
        Assert.StartsWith(_b.BaseUrl, smallest.GetProperty("fileUrl").GetString());
        var served = await anonymousB.Http.GetAsync(smallest.GetProperty("path").GetString());
        await served.ShouldHaveStatusAsync(HttpStatusCode.OK);
        Assert.Equal((48, 48, SKEncodedImageFormat.Jpeg), TestImages.Describe(await served.Content.ReadAsByteArrayAsync()));
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
