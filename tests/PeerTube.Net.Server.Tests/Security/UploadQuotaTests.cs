using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: resumable sessions opened side by side, before any byte is sent, took a user to 197% of their quota. An
/// open session now holds its declared size, the quota is checked again under a lock when an upload completes, and a
/// refusal states the file's real size and the room left.
/// </summary>
public sealed class UploadQuotaTests : IAsyncLifetime
{
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Three_sessions_opened_at_once_cannot_together_exceed_the_quota()
    {
        const long size = 100_000;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var user = await root.CreateUserAndLoginAsync(_server, "parallel", videoQuota: size * 5 / 2);
        var channel = await user.MyChannelIdAsync();

        var opened = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => user.StartResumableUploadAsync($"v{i}.mp4", size, $"Session {i}", channel)));

        Assert.Equal(2, opened.Count(r => r.StatusCode == HttpStatusCode.Created));
        var refused = Assert.Single(opened, r => r.StatusCode != HttpStatusCode.Created);
        var body = await refused.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");
        Assert.Contains($"{size} bytes, {size / 2} bytes left", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A cancelled session gives its room back.
        var first = opened.First(r => r.StatusCode == HttpStatusCode.Created).Headers.Location!;
        await (await user.Http.DeleteAsync(first)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var again = await user.StartResumableUploadAsync("again.mp4", size, "Again", channel);
        await again.ShouldHaveStatusAsync(HttpStatusCode.Created);
        await (await user.StartResumableUploadAsync("more.mp4", size, "More", channel)).ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");

        // So does an expired one.
        await using (var scope = _server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var id = again.Headers.Location!.Query.Split("upload_id=")[1];
            await db.ResumableUploads.Where(u => u.Id == id).ExecuteUpdateAsync(s => s.SetProperty(u => u.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)),
                TestContext.Current.CancellationToken);
        }

        await (await user.StartResumableUploadAsync("after-expiry.mp4", size, "After expiry", channel)).ShouldHaveStatusAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Sessions_completing_at_once_cannot_exceed_a_quota_lowered_meanwhile()
    {
        var source = await TestMedia.VideoAsync();
        var bytes = await File.ReadAllBytesAsync(source, TestContext.Current.CancellationToken);
        long size = bytes.Length;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var user = await root.CreateUserAndLoginAsync(_server, "racer", videoQuota: size * 5 / 2);
        var userId = (await user.MeAsync()).GetProperty("id").GetInt32();
        var a = await OpenAsync(user, "a.mp4", size);
        var b = await OpenAsync(user, "b.mp4", size);
        await (await user.PutChunkAsync(a, bytes, 0, size - 2)).ShouldHaveStatusAsync((HttpStatusCode)308);
        await (await user.PutChunkAsync(b, bytes, 0, size - 2)).ShouldHaveStatusAsync((HttpStatusCode)308);

        // An admin lowers the quota to room for one video; both last chunks arrive together.
        await (await root.Http.PutAsJsonAsync($"/api/v1/users/{userId}", new { videoQuota = size * 3 / 2 }, TestContext.Current.CancellationToken))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var done = await Task.WhenAll(user.PutChunkAsync(a, bytes, size - 1, size - 1), user.PutChunkAsync(b, bytes, size - 1, size - 1));

        Assert.Single(done, r => r.StatusCode == HttpStatusCode.OK);
        var body = await Assert.Single(done, r => r.StatusCode != HttpStatusCode.OK).ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");
        Assert.Contains($"{size} bytes", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var used = (await user.MeAsync()).GetProperty("videoQuotaUsed").GetInt64();
        Assert.True(used <= size * 3 / 2, $"{used} bytes used of a {size * 3 / 2}-byte quota");
    }

    private static async Task<string> OpenAsync(PeerTubeClient user, string filename, long size)
    {
        var response = await user.StartResumableUploadAsync(filename, size, filename);
        await response.ShouldHaveStatusAsync(HttpStatusCode.Created);
        return response.Headers.Location!.ToString();
    }

    [Fact]
    public async Task A_multipart_upload_over_the_quota_is_refused_with_its_real_size_and_the_room_left()
    {
        var source = await TestMedia.VideoAsync(seconds: 4);
        var size = new FileInfo(source).Length;
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        using var user = await root.CreateUserAndLoginAsync(_server, "figures", videoQuota: size / 3);

        var body = await (await user.UploadAsync(source, "Too big")).ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "quota_reached");

        var detail = body.GetProperty("detail").GetString()!;
        Assert.Contains(size.ToString(CultureInfo.InvariantCulture) + " bytes", detail, StringComparison.Ordinal);
        Assert.Contains((size / 3).ToString(CultureInfo.InvariantCulture) + " bytes left", detail, StringComparison.Ordinal);
        Assert.Empty(_server.LeftoverTemporaryFiles());
    }

    [Fact]
    public async Task On_PostgreSQL_too_parallel_sessions_cannot_exceed_the_quota()
    {
        // The advisory lock path: the one nodes sharing a database rely on.
        const long size = 100_000;
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Postgres);
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        using var user = await root.CreateUserAndLoginAsync(server, "parallelpg", videoQuota: size * 5 / 2);
        var channel = await user.MyChannelIdAsync();

        var opened = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => user.StartResumableUploadAsync($"v{i}.mp4", size, $"Session {i}", channel)));

        Assert.Equal(2, opened.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.All(opened.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode));
    }

    [Fact]
    public async Task Anonymous_cannot_open_a_session()
    {
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var response = await anonymous.StartResumableUploadAsync("a.mp4", 1000, "Nobody", channelId: 1);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
