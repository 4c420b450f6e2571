using System.Collections.Concurrent;
using System.Net;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Jobs;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>Inbox activities have a Hangfire queue of their own: a busy default queue does not hold them up.</summary>
public sealed class FederationQueueTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private readonly FakeRemote _remote = new();
    private readonly string _gate = Guid.NewGuid().ToString("N");

    public async ValueTask InitializeAsync() =>
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });

    [Fact]
    public async Task An_activity_is_processed_while_every_default_worker_is_busy()
    {
        var jobs = _server.Services.GetRequiredService<IBackgroundJobClient>();
        var gate = _gate;
        for (var i = 0; i < 4; i++)
        {
            jobs.Create(() => Gate.WaitAsync(gate), new EnqueuedState(JobsExtensions.DefaultQueue));
        }

        await FederationTestKit.EventuallyAsync(() => Task.FromResult(Gate.Waiting(gate) >= 2), "the default workers to be busy");

        var mallory = _remote.Person("mallory");
        using var http = _server.CreateClient();
        var follow = $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"{{mallory}}/follows/1","type":"Follow",
             "actor":"{{mallory}}","object":"http://localhost/video-channels/root_channel"}
            """;
        await (await _remote.PostAsync("http://localhost/inbox", follow, mallory + "#main-key", via: http)).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = _server.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AppDbContext>().ActorFollows.AnyAsync();
        }, "the follow to be processed while the default queue is busy");
    }

    public async ValueTask DisposeAsync()
    {
        Gate.Open(_gate);
        await _remote.DisposeAsync();
        await _server.DisposeAsync();
    }
}

/// <summary>A job that holds a worker until its test opens the gate (or a minute has passed).</summary>
public static class Gate
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();
    private static readonly ConcurrentDictionary<string, int> Waiters = new();

    public static async Task WaitAsync(string gate)
    {
        Waiters.AddOrUpdate(gate, 1, (_, n) => n + 1);
        var open = Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        await Task.WhenAny(open, Task.Delay(TimeSpan.FromMinutes(1)));
    }

    public static int Waiting(string gate) => Waiters.GetValueOrDefault(gate);

    public static void Open(string gate) => Gates.GetOrAdd(gate, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
