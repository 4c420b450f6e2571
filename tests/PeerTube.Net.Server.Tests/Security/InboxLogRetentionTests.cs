using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>Issue 15: received activities (the inbox log) are kept for a bounded, configurable time, not for ever.</summary>
public sealed class InboxLogRetentionTests
{
    [Fact]
    public async Task Activities_older_than_the_retention_are_removed_periodically_and_newer_ones_kept()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Federation:InboxLogRetentionHours"] = "1",
            ["Federation:SignatureSkewSeconds"] = "600",
            ["Federation:InboxLogCleanupIntervalSeconds"] = "1",
        });
        var now = DateTimeOffset.UtcNow;
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            db.InboxActivities.Add(Row("https://old.example/activities/1", now.AddHours(-2)));
            db.InboxActivities.Add(Row("https://new.example/activities/1", now.AddMinutes(-5)));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var remaining = new List<string>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await using var scope = server.Services.CreateAsyncScope();
            remaining = await scope.ServiceProvider.GetRequiredService<AppDbContext>().InboxActivities.Select(a => a.ActivityId)
                .ToListAsync(TestContext.Current.CancellationToken);
            if (remaining.Count == 1)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["https://new.example/activities/1"], remaining);
    }

    [Fact]
    public async Task A_retention_shorter_than_the_signature_window_stops_the_server_at_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
            {
                ["Federation:InboxLogRetentionHours"] = "1",
                ["Federation:SignatureSkewSeconds"] = "7200",
            });
        });
        Assert.Contains("InboxLogRetentionHours", error.ToString(), StringComparison.Ordinal);
    }

    private static InboxActivity Row(string id, DateTimeOffset receivedAt) => new()
    {
        ActivityId = id, Type = "Create", ActorUrl = "https://remote.example/accounts/x", Json = "{}", ReceivedAt = receivedAt, ProcessedAt = receivedAt,
    };
}
