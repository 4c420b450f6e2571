using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// A PeerTube-shaped remote host: an instance actor (/accounts/peertube), accounts (Person) and one channel (Group)
/// per account, owned by it. Every actor signs with the host's key, so a test can speak as any of them, as a
/// compromised or hostile account of that host could.
/// </summary>
public sealed class FakePeerTube(ServerApplication server) : IAsyncDisposable
{
    public FakeRemote Remote { get; } = new();

    public string Base => Remote.BaseUrl;
    public string InstanceActor => $"{Base}/accounts/peertube";

    public string Account(string name) => $"{Base}/accounts/{name}";
    public string Channel(string name) => $"{Base}/video-channels/{name}_channel";

    /// <summary>Serves the instance actor and, for each name, an account and its channel.</summary>
    public FakePeerTube WithAccounts(params string[] names)
    {
        Actor("/accounts/peertube", "Application", "peertube", owner: null);
        foreach (var name in names)
        {
            Actor($"/accounts/{name}", "Person", name, owner: null);
            Actor($"/video-channels/{name}_channel", "Group", name + "_channel", owner: Account(name));
        }

        return this;
    }

    private void Actor(string path, string type, string name, string? owner)
    {
        var id = Base + path;
        var doc = new JsonObject
        {
            ["@context"] = new JsonArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
            ["id"] = id, ["type"] = type, ["preferredUsername"] = name, ["name"] = name,
            ["inbox"] = $"{id}/inbox", ["outbox"] = $"{id}/outbox", ["followers"] = $"{id}/followers",
            ["endpoints"] = new JsonObject { ["sharedInbox"] = $"{Base}/inbox" },
            ["publicKey"] = new JsonObject { ["id"] = $"{id}#main-key", ["owner"] = id, ["publicKeyPem"] = Remote.PublicKeyPem },
        };
        if (owner is not null)
        {
            doc["attributedTo"] = new JsonArray(new JsonObject { ["type"] = "Person", ["id"] = owner });
        }

        Remote.Serve(path, doc.ToJsonString());
    }

    /// <summary>A Video object in <paramref name="channel"/>, as its origin would describe it; also served at its id.</summary>
    public JsonObject Video(Guid uuid, string name, string channel, long views = 0, params string[] people)
    {
        var attributedTo = new JsonArray(new JsonObject { ["type"] = "Group", ["id"] = channel });
        foreach (var person in people)
        {
            attributedTo.Add(new JsonObject { ["type"] = "Person", ["id"] = person });
        }

        var id = $"{Base}/videos/watch/{uuid}";
        var video = new JsonObject
        {
            ["type"] = "Video", ["id"] = id, ["uuid"] = uuid.ToString(), ["name"] = name, ["duration"] = "PT5S", ["views"] = views,
            ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
            ["published"] = "2026-01-01T00:00:00Z", ["attributedTo"] = attributedTo,
        };
        Remote.Serve($"/videos/watch/{uuid}", video.ToJsonString());
        return video;
    }

    /// <summary>Posts an activity to our shared inbox, signed as <paramref name="actor"/>, and waits until it is processed.</summary>
    /// <returns>Why it was not used (InboxActivity.Error), null when it was.</returns>
    /// <param name="extra">More properties of the activity (a View's expires, its id…), over the defaults.</param>
    public async Task<string?> SendAsync(string type, string actor, JsonNode obj, JsonObject? extra = null)
    {
        var activity = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{actor}/activities/{Guid.NewGuid():N}", ["type"] = type, ["actor"] = actor,
            ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = obj.DeepClone(),
        };
        foreach (var (name, value) in extra ?? [])
        {
            activity[name] = value?.DeepClone();
        }

        var id = activity["id"]!.GetValue<string>();
        using var http = server.CreateClient();
        var response = await Remote.PostAsync("http://localhost/inbox", activity.ToJsonString(), actor + "#main-key", via: http);
        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var row = await FederationTestKit.EventuallyAsync(async () =>
        {
            await using var scope = server.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<AppDbContext>().InboxActivities.AsNoTracking()
                .FirstOrDefaultAsync(a => a.ActivityId == id && a.ProcessedAt != null);
        }, $"{type} by {actor} to be processed");
        return row.Error;
    }

    public async Task<T> QueryAsync<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var scope = server.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public ValueTask DisposeAsync() => Remote.DisposeAsync();
}
