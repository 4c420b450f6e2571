using System.Net;
using System.Net.Http.Json;
using Hangfire.Storage.SQLite;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// On the embedded default Hangfire keeps its jobs in Storage:Root/hangfire.db, so that a retry waiting for its turn
/// is still there after the server is killed and started again (the in-memory storage lost it).
/// </summary>
public sealed class JobStorageTests : IAsyncDisposable
{
    private readonly ServerProcess _server = new(new Dictionary<string, string>
    {
        ["Seeding:Enabled"] = "false",
        ["Federation:AllowPrivateAddresses"] = "true",
    });

    [Fact]
    public async Task On_sqlite_a_retry_scheduled_before_a_crash_is_still_there_after_the_restart()
    {
        await _server.StartAsync();
        var admin = await _server.LoginAsRootAsync();
        // Nobody listens there: the follow job fails and Hangfire schedules a retry.
        var unreachable = $"127.0.0.1:{ServerProcess.FreePort()}";
        var follow = await admin.Http.PostAsJsonAsync("/api/v1/server/following", new { hosts = new[] { unreachable } });
        await follow.ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        var jobId = await FederationTestKit.EventuallyAsync(() => Task.FromResult(ScheduledRetryOf(unreachable)),
            $"a scheduled retry of the follow of {unreachable} in hangfire.db", _server);

        await _server.KillAsync();
        await _server.StartAsync();

        using var storage = OpenStorage();
        var job = storage.GetMonitoringApi().JobDetails(jobId);
        Assert.NotNull(job);
        Assert.Contains(job.History, state => state.StateName == "Scheduled");
        Assert.Equal(unreachable, job.Job?.Args[0]);
    }

    private string? ScheduledRetryOf(string host)
    {
        using var storage = OpenStorage();
        return storage.GetMonitoringApi().ScheduledJobs(0, 100)
            .FirstOrDefault(j => j.Value.Job?.Args is [string target, ..] && target == host).Key;
    }

    private SQLiteStorage OpenStorage()
    {
        var file = _server.StoragePath("hangfire.db");
        Assert.True(File.Exists(file), $"no job storage at {file}");
        return new SQLiteStorage(file, new SQLiteStorageOptions());
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
