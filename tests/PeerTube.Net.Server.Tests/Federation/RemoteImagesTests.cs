using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// B shows A's video with A's thumbnail and preview: B's lazy-static paths fetch them from A on first request, keep them,
/// and serve them from there, also when A is down. What B cannot fetch is a 404, never a 500.
/// </summary>
public sealed class RemoteImagesTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task The_follower_serves_the_origins_thumbnail_fetched_once_and_kept_and_404s_what_it_cannot_fetch()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);

        var published = await rootA.PublishAsync("Pictured on A");
        var uuid = published.GetProperty("uuid").GetString()!;
        var onB = _b.Anonymous();
        var listed = (await FederationTestKit.EventuallyAsync(() => onB.ListedAsync(uuid), "the video to be listed on B", _a, _b))!.Value;

        using var anyone = new HttpClient();
        var originalThumbnail = await anyone.GetByteArrayAsync(_a.BaseUrl + published.GetProperty("thumbnailPath").GetString());
        var thumbnailPath = listed.GetProperty("thumbnailPath").GetString()!;
        Assert.StartsWith("/lazy-static/thumbnails/", thumbnailPath);
        Assert.Empty(Directory.EnumerateFiles(_b.StoragePath("thumbnails")));

        // Several viewers ask B at once for an image it does not have yet: each gets A's bytes, and B keeps one whole file.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => anyone.GetAsync(_b.BaseUrl + thumbnailPath)));
        foreach (var response in responses)
        {
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(originalThumbnail, await response.Content.ReadAsByteArrayAsync());
        }

        var kept = Assert.Single(Directory.EnumerateFiles(_b.StoragePath("thumbnails")));
        Assert.Equal(Path.GetFileName(thumbnailPath), Path.GetFileName(kept));
        Assert.Equal(originalThumbnail, await File.ReadAllBytesAsync(kept));

        // A goes down. B still has the thumbnail; the preview it never fetched is a PeerTube-style 404.
        var previewPath = (await onB.GetVideoAsync(uuid)).GetProperty("previewPath").GetString()!;
        Assert.StartsWith("/lazy-static/previews/", previewPath);
        await _a.KillAsync();

        Assert.Equal(originalThumbnail, await anyone.GetByteArrayAsync(_b.BaseUrl + thumbnailPath));
        var missing = await anyone.GetAsync(_b.BaseUrl + previewPath);
        await missing.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        var problem = await missing.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Empty(Directory.EnumerateFiles(_b.StoragePath("previews")));

        // Names that are no remote video's image are 404s too, without asking anyone.
        foreach (var name in new[] { $"{Guid.NewGuid()}-remote.jpg", "not-a-uuid.jpg", $"{uuid}-remote-preview.jpg" })
        {
            var response = await anyone.GetAsync($"{_b.BaseUrl}/lazy-static/thumbnails/{name}");
            await response.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
