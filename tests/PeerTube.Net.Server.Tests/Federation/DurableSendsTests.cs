using System.Net;
using System.Net.Http.Json;
using Hangfire.Common;
using Hangfire.Storage;
using Microsoft.Data.Sqlite;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// What a change announces commits with the change: an origin that dies right after it, or between its commit and
/// the announcement, still tells its followers once it is back.
/// </summary>
public sealed class DurableSendsTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly ServerProcess _b = FederationTestKit.Instance();

    [Fact]
    public async Task A_video_made_private_is_deleted_on_the_follower_even_when_its_origin_is_killed_right_after()
    {
        var (rootA, uuid) = await AFollowedVideoAsync("Soon private");

        var update = await rootA.Http.PutAsJsonAsync($"/api/v1/videos/{uuid}", new { privacy = 3 });
        await update.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await _a.KillAsync();

        await _a.StartAsync();
        await FederationTestKit.EventuallyAsync(async () => await _b.Anonymous().ListedAsync(uuid) is null, "B to drop the private video", _a, _b);
    }

    [Fact]
    public async Task A_change_committed_by_an_origin_that_died_before_announcing_it_is_announced_after_its_restart()
    {
        var (_, uuid) = await AFollowedVideoAsync("Committed, never announced");

        // The crash this story is about: the privacy change and its record committed, then the process died before a
        // single handler ran. Written here as that commit would have written it, with the server down.
        await _a.KillAsync();
        await using (var db = new SqliteConnection($"Data Source={_a.StoragePath("peertube.db")};Pooling=False"))
        {
            await db.OpenAsync(TestContext.Current.CancellationToken);
            var id = Convert.ToInt32(await Scalar(db, "SELECT Id FROM Videos WHERE Uuid = $p COLLATE NOCASE", uuid), System.Globalization.CultureInfo.InvariantCulture);
            await Scalar(db, "UPDATE Videos SET Privacy = 3 WHERE Id = $p", id);
            var job = InvocationData.SerializeJob(Job.FromExpression<Features.Videos.VideoEventsReplayJob>(j =>
                j.RunAsync(id, Features.Videos.VideoChange.Updated | Features.Videos.VideoChange.PrivacyChanged, CancellationToken.None)));
            await using var insert = db.CreateCommand();
            insert.CommandText = "INSERT INTO PendingJobs (Queue, Type, Method, ParameterTypes, Arguments, DueAt) VALUES ('default', $t, $m, $pt, $a, 0)";
            insert.Parameters.AddWithValue("$t", job.Type);
            insert.Parameters.AddWithValue("$m", job.Method);
            insert.Parameters.AddWithValue("$pt", job.ParameterTypes);
            insert.Parameters.AddWithValue("$a", job.Arguments);
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Assert.NotNull(await _b.Anonymous().ListedAsync(uuid));
        await _a.StartAsync();
        await FederationTestKit.EventuallyAsync(async () => await _b.Anonymous().ListedAsync(uuid) is null, "B to hear of the change after A's restart", _a, _b);
    }

    [Fact]
    public async Task Deleting_a_user_deletes_their_videos_on_the_follower_too()
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var alice = await rootA.CreateUserAsync(_a, "alice");
        await (await _b.LoginAsRootAsync()).FollowAsync(_a.Host(), _a, _b);
        var uuid = (await alice.PublishAsync("Alice's only video")).GetProperty("uuid").GetString()!;
        await FederationTestKit.EventuallyAsync(() => _b.Anonymous().ListedAsync(uuid), "alice's video to reach B", _a, _b);

        var me = await alice.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/users/me");
        await (await rootA.Http.DeleteAsync($"/api/v1/users/{me.GetProperty("id").GetInt32()}")).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        await FederationTestKit.EventuallyAsync(async () => await _b.Anonymous().ListedAsync(uuid) is null, "B to drop the deleted user's video", _a, _b);
        await (await _b.Anonymous().Http.GetAsync($"/api/v1/videos/{uuid}")).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    /// <summary>B follows A's root channel; A publishes a public video, and B lists it.</summary>
    private async Task<(PeerTubeClient RootA, string Uuid)> AFollowedVideoAsync(string name)
    {
        await Task.WhenAll(_a.StartAsync(), _b.StartAsync());
        var rootA = await _a.LoginAsRootAsync();
        var rootB = await _b.LoginAsRootAsync();
        await rootB.FollowAsync($"root_channel@{_a.Host()}", _a, _b);
        var uuid = (await rootA.PublishAsync(name)).GetProperty("uuid").GetString()!;
        await FederationTestKit.EventuallyAsync(() => _b.Anonymous().ListedAsync(uuid), "the video to reach B", _a, _b);
        return (rootA, uuid);
    }

    private static async Task<object?> Scalar(SqliteConnection db, string sql, object parameter)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$p", parameter);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }
}
