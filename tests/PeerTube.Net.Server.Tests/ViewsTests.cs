using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>POST /api/v1/videos/{id}/views: one view per IP per video per hour, and the lists sorted by views.</summary>
public sealed class ViewsTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "viewed");
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
    public async Task A_view_counts_once_per_address_and_the_most_viewed_lead_the_trending_list()
    {
        var popular = await PublishedAsync("Popular", privacy: 1);
        var quiet = await PublishedAsync("Quiet", privacy: 1);

        using var first = ClientFrom("203.0.113.10");
        using var second = ClientFrom("203.0.113.11");
        await (await first.PostAsJsonAsync($"/api/v1/videos/{popular}/views", new { currentTime = 1 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await first.PostAsJsonAsync($"/api/v1/videos/{popular}/views", new { currentTime = 2 })).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await (await first.PostAsync($"/api/v1/videos/{popular}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await ViewsAsync(popular));

        // Another address counts; a beacon's text/plain JSON body and the shortUUID are fine.
        var shortUuid = (await _owner.GetVideoAsync(popular)).GetProperty("shortUUID").GetString();
        var beacon = new StringContent("""{"currentTime":4.5}""", Encoding.UTF8, "text/plain");
        await (await second.PostAsync($"/api/v1/videos/{shortUuid}/views", beacon)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(2, await ViewsAsync(popular));

        // The same address still counts for another video.
        await (await first.PostAsync($"/api/v1/videos/{quiet}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await ViewsAsync(quiet));

        await (await first.PostAsJsonAsync($"/api/v1/videos/{popular}/views", new { currentTime = -1 })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await first.PostAsJsonAsync($"/api/v1/videos/{popular}/views", new { currentTime = "soon" })).ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await first.PostAsync($"/api/v1/videos/{popular}/views", new StringContent("{not json", Encoding.UTF8, "application/json")))
            .ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
        await (await first.PostAsync("/api/v1/videos/999999/views", null)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        await (await first.PostAsync($"/api/v1/videos/{Guid.NewGuid()}/views", null)).ShouldBeErrorAsync(HttpStatusCode.NotFound, null);
        Assert.Equal(2, await ViewsAsync(popular));

        foreach (var sort in new[] { "-views", "-trending" })
        {
            var list = await _stranger.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos?sort={sort}");
            var ids = list.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("id").GetInt32()).ToList();
            Assert.True(ids.IndexOf(popular) < ids.IndexOf(quiet), $"{sort}: the most viewed comes first");
            Assert.Equal(2, list.GetProperty("data")[ids.IndexOf(popular)].GetProperty("views").GetInt64());
        }

        foreach (var sort in new[] { "-publishedAt", "-createdAt" })
        {
            var list = await _stranger.Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos?sort={sort}");
            var ids = list.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("id").GetInt32()).ToList();
            Assert.True(ids.IndexOf(quiet) < ids.IndexOf(popular), $"{sort}: the newest comes first");
        }
    }

    [Fact]
    public async Task A_private_video_takes_views_only_from_those_who_may_watch_it()
    {
        var secret = await PublishedAsync("Secret", privacy: 3);

        await (await _stranger.Http.PostAsync($"/api/v1/videos/{secret}/views", null)).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        using var anonymous = ClientFrom("203.0.113.20");
        await (await anonymous.PostAsync($"/api/v1/videos/{secret}/views", null)).ShouldBeErrorAsync(HttpStatusCode.Unauthorized, null);
        Assert.Equal(0, await ViewsAsync(secret));

        await (await _owner.Http.PostAsync($"/api/v1/videos/{secret}/views", null)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await ViewsAsync(secret));
    }

    private HttpClient ClientFrom(string ip) =>
        new(_server.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(ip)))
        {
            BaseAddress = _server.Server.BaseAddress,
        };

    private async Task<long> ViewsAsync(int id) => (await _owner.GetVideoAsync(id)).GetProperty("views").GetInt64();

    private async Task<int> PublishedAsync(string name, int privacy)
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), name,
            new Dictionary<string, string> { ["privacy"] = privacy.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var id = created.GetProperty("id").GetInt32();
        await _owner.WaitForTranscodingAsync(id);
        return id;
    }
}
