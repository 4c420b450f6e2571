using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>Instances of ours on loopback ports, each its own host with its own database, that may federate with each other.</summary>
public static class FederationTestKit
{
    /// <summary>Loopback federation needs private addresses allowed; retries come fast so that outages are short.</summary>
    /// <summary>A captured payload of Federation/Fixtures (see its README), as copied next to the tests.</summary>
    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Federation", "Fixtures", name));

    public static ServerProcess Instance(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Federation:AllowPrivateAddresses"] = "true",
            ["Federation:DeliveryRetryBaseSeconds"] = "0.5",
            ["Federation:DeliveryMaxBackoffSeconds"] = "2",
            ["Seeding:Enabled"] = "false",
            ["Transcoding:Threads"] = "1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return new ServerProcess(settings);
    }

    public static PeerTubeClient Anonymous(this ServerProcess server) =>
        new(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) });

    public static string Host(this ServerProcess server) => $"127.0.0.1:{server.Port}";

    /// <summary>Polls until <paramref name="probe"/> gives a value; fails with both logs when it never does.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, params ServerProcess[] servers)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!timeout.IsCancellationRequested)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            try
            {
                await Task.Delay(200, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        Assert.Fail($"Timed out waiting for: {what}\n" + string.Join("\n", servers.Select(s => $"--- {s.Host()} log:\n{s.RecentLog}")));
        throw new InvalidOperationException();
    }

    public static Task EventuallyAsync(Func<Task<bool>> probe, string what, params ServerProcess[] servers) =>
        EventuallyAsync<object>(async () => await probe() ? true : null, what, servers);

    /// <summary>As root on <paramref name="follower"/>: follow a channel (name@host) or an instance (host), and wait for the Accept.</summary>
    public static async Task FollowAsync(this PeerTubeClient admin, string hostOrHandle, params ServerProcess[] servers)
    {
        var body = hostOrHandle.Contains('@') ? (object)new { handles = new[] { hostOrHandle } } : new { hosts = new[] { hostOrHandle } };
        var response = await admin.Http.PostAsJsonAsync("/api/v1/server/following", body);
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await EventuallyAsync(async () =>
        {
            var following = await admin.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/following");
            return following.GetProperty("data").EnumerateArray().Any(f => f.GetProperty("state").GetString() == "accepted");
        }, $"the follow of {hostOrHandle} to be accepted", servers);
    }

    /// <summary>
    /// <paramref name="server"/> follows the fake instance (its actor at /accounts/peertube, which this serves), and the
    /// fake accepts with a signed Accept of the Follow it received: what it then sends about its videos is taken.
    /// </summary>
    public static async Task FollowedByAsync(this FakeRemote remote, ServerProcess server)
    {
        remote.Serve("/accounts/peertube", Fixture("peertube/application.json"));
        var admin = await server.LoginAsRootAsync();
        var response = await admin.Http.PostAsJsonAsync("/api/v1/server/following", new { hosts = new[] { remote.Host } });
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var follow = await EventuallyAsync(() => Task.FromResult<JsonElement?>(
            remote.Received.Select(r => r.Body).Where(b => b.GetProperty("type").GetString() == "Follow").Cast<JsonElement?>().FirstOrDefault()),
            "the Follow to reach the fake instance", server);
        var accept = new System.Text.Json.Nodes.JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{remote.BaseUrl}/accounts/peertube/accepts/{Guid.NewGuid():N}",
            ["type"] = "Accept",
            ["actor"] = $"{remote.BaseUrl}/accounts/peertube",
            ["object"] = System.Text.Json.Nodes.JsonNode.Parse(follow!.Value.GetRawText()),
        };
        var sent = await remote.PostAsync($"{server.BaseUrl}/inbox", accept.ToJsonString(), $"{remote.BaseUrl}/accounts/peertube#main-key");
        Assert.True(sent.IsSuccessStatusCode, $"the Accept was refused: {(int)sent.StatusCode}");
        await EventuallyAsync(async () =>
        {
            var following = await admin.Http.GetFromJsonAsync<JsonElement>("/api/v1/server/following");
            return following.GetProperty("data").EnumerateArray().Any(f => f.GetProperty("state").GetString() == "accepted");
        }, "the fake instance's Accept to be taken", server);
    }

    /// <summary>As an admin of <paramref name="server"/>: a new user, signed in.</summary>
    public static async Task<PeerTubeClient> CreateUserAsync(this PeerTubeClient admin, ServerProcess server, string username)
    {
        var response = await admin.Http.PostAsJsonAsync("/api/v1/users", new
        {
            username, password = username + "-password", email = $"{username}@example.test", role = 2, videoQuota = -1, videoQuotaDaily = -1,
        });
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await server.LoginAsync(username, username + "-password");
    }

    /// <summary>The video with this uuid in the instance's public list, if it is there.</summary>
    public static async Task<JsonElement?> ListedAsync(this PeerTubeClient client, string uuid)
    {
        var list = await client.Http.GetFromJsonAsync<JsonElement>("/api/v1/videos?count=100");
        foreach (var v in list.GetProperty("data").EnumerateArray())
        {
            if (v.GetProperty("uuid").GetString() == uuid)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>
    /// As if our instance actor had followed <paramref name="actorUrl"/> (a remote actor, fetched now) and been answered:
    /// a follow row in <paramref name="state"/>, for tests that replay what a followed remote sends.
    /// </summary>
    public static async Task FollowedAsync(this ServerApplication server, string actorUrl,
        PeerTube.Net.Server.Features.Federation.FollowState state = PeerTube.Net.Server.Features.Federation.FollowState.Accepted)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var db = services.GetRequiredService<PeerTube.Net.Server.Infrastructure.Data.AppDbContext>();
        var target = await services.GetRequiredService<PeerTube.Net.Server.Features.Federation.RemoteActors>().GetAsync(actorUrl, refresh: false, CancellationToken.None)
                     ?? throw new InvalidOperationException($"Could not fetch {actorUrl}.");
        var follower = await services.GetRequiredService<PeerTube.Net.Server.Features.Federation.LocalActors>().InstanceActorAsync(CancellationToken.None);
        var row = await db.ActorFollows.FirstOrDefaultAsync(f => f.FollowerId == follower.Id && f.TargetId == target.Id);
        if (row is null)
        {
            row = new PeerTube.Net.Server.Features.Federation.ActorFollow
            {
                FollowerId = follower.Id, TargetId = target.Id, ActivityUrl = $"{follower.Url}/follows/{Guid.NewGuid():N}",
                CreatedAt = DateTimeOffset.UtcNow, UpdatedAt = DateTimeOffset.UtcNow,
            };
            db.ActorFollows.Add(row);
        }

        row.State = state;
        await db.SaveChangesAsync();
    }

    public static async Task<JsonElement> PublishAsync(this PeerTubeClient client, string name, IDictionary<string, string>? fields = null)
    {
        var source = await TestMedia.VideoAsync(320, 180, seconds: 2);
        var created = await client.UploadVideoAsync(source, name, fields);
        var video = await client.WaitForTranscodingAsync(created.GetProperty("id").GetInt32());
        Assert.Equal(1, video.GetProperty("state").GetProperty("id").GetInt32());
        return video;
    }
}
