using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15's inbox fuzz: a few hundred malformed or forged requests to every inbox. None is answered with a 5xx,
/// the server still answers after each, what was stored is processed or dropped with a reason, and a well-formed
/// activity sent afterwards is still taken.
/// </summary>
public sealed class InboxFuzzTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private FakePeerTube _host = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Federation:AllowPrivateAddresses"] = "true",
            ["Federation:MaxDocumentBytes"] = "65536",
            ["Federation:KeyFetchesPerMinutePerIp"] = "100000",
        });
        _host = new FakePeerTube(_server).WithAccounts("alice");
    }

    [Fact]
    public async Task Hundreds_of_malformed_and_forged_inbox_requests_get_no_5xx_and_the_server_keeps_serving()
    {
        using var http = _server.CreateClient();
        var inboxes = new[] { "/inbox", "/accounts/root/inbox", "/video-channels/root_channel/inbox", "/accounts/nobody/inbox" };
        var cases = Cases().ToList();
        var statuses = new Dictionary<int, int>();
        var failures = new List<string>();
        foreach (var inbox in inboxes)
        {
            foreach (var (name, send) in cases)
            {
                using var response = await send(http, "http://localhost" + inbox);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                if (status >= 500)
                {
                    failures.Add($"{inbox} {name}: {status} {await response.Content.ReadAsStringAsync()}");
                }

                using var ping = await http.GetAsync("/api/v1/ping");
                if (ping.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{inbox} {name}: the server stopped answering ({(int)ping.StatusCode})");
                }
            }
        }

        var total = inboxes.Length * cases.Count;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{total} requests ({cases.Count} kinds x {inboxes.Length} inboxes): " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}x {s.Key}")));
        Assert.True(total >= 200, $"only {total} requests");
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // Whatever was stored is worked off: processed, or dropped with its reason.
        await FederationTestKit.EventuallyAsync(async () =>
            await _host.QueryAsync(db => db.InboxActivities.AnyAsync(a => a.ProcessedAt == null)) ? null : (object)true,
            "every stored activity to be processed");

        // And the inbox still takes a well-formed activity.
        await _server.FollowedAsync(_host.Channel("alice"));
        var uuid = Guid.NewGuid();
        Assert.Null(await _host.SendAsync("Create", _host.Account("alice"), _host.Video(uuid, "After the storm", _host.Channel("alice"), 0, _host.Account("alice"))));
        Assert.NotNull(await PeerTubeClient.Anonymous(_server).ListedAsync(uuid.ToString()));
    }

    private delegate Task<HttpResponseMessage> Send(HttpClient http, string inbox);

    private IEnumerable<(string Name, Send Send)> Cases()
    {
        var alice = _host.Account("alice");
        var key = alice + "#main-key";

        // Unsigned bodies of every shape.
        foreach (var (name, body, type) in new (string, byte[], string)[]
                 {
                     ("empty", [], "application/activity+json"),
                     ("null", "null"u8.ToArray(), "application/activity+json"),
                     ("array", "[]"u8.ToArray(), "application/activity+json"),
                     ("number", "42"u8.ToArray(), "application/activity+json"),
                     ("cut JSON", "{\"type\":\"Create\",\"actor\":"u8.ToArray(), "application/activity+json"),
                     ("binary", Enumerable.Range(0, 512).Select(i => (byte)(i * 7 % 256)).ToArray(), "application/activity+json"),
                     ("form", "type=Create&actor=x"u8.ToArray(), "application/x-www-form-urlencoded"),
                     ("text", "hello"u8.ToArray(), "text/plain"),
                     ("nested 5000", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), "application/activity+json"),
                     ("oversized", Encoding.UTF8.GetBytes("{\"type\":\"Note\",\"content\":\"" + new string('x', 200_000) + "\"}"), "application/activity+json"),
                     ("invalid UTF-8", [0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d], "application/activity+json"),
                 })
        {
            yield return ($"unsigned {name}", (http, inbox) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
                return http.SendAsync(request);
            });
        }

        // Broken signatures on a well-formed activity.
        var follow = Activity("Follow", alice, JsonValue.Create("http://localhost/accounts/root"));
        foreach (var (name, tamper) in new (string, Action<HttpRequestMessage>)[]
                 {
                     ("body changed after signing", r => r.Content = new StringContent(follow.Replace("Follow", "Undo"), Encoding.UTF8, "application/activity+json")),
                     ("no Digest", r => r.Headers.Remove("Digest")),
                     ("wrong Digest", r => { r.Headers.Remove("Digest"); r.Headers.TryAddWithoutValidation("Digest", "SHA-256=AAAA"); }),
                     ("garbage signature header", r => { r.Headers.Remove("Signature"); r.Headers.TryAddWithoutValidation("Signature", "\"\"=,,;;"); }),
                     ("empty signature", r => { r.Headers.Remove("Signature"); r.Headers.TryAddWithoutValidation("Signature", ""); }),
                     ("no Date", r => r.Headers.Remove("Date")),
                     ("unparseable Date", r => { r.Headers.Remove("Date"); r.Headers.TryAddWithoutValidation("Date", "yesterday"); }),
                     ("signature not base64", r => Replace(r, "signature=\"", "signature=\"!!!")),
                     ("algorithm unknown", r => Replace(r, "rsa-sha256", "rot13")),
                     ("headers list emptied", r => ReplaceRegex(r, "headers=\"[^\"]*\"", "headers=\"\"")),
                     ("keyId of another actor", r => Replace(r, key, _host.Account("bob") + "#main-key")),
                     ("keyId not a URL", r => Replace(r, key, "not a url")),
                     ("keyId on a closed port", r => Replace(r, key, "http://127.0.0.1:9/actor#main-key")),
                     ("keyId on another scheme", r => Replace(r, key, "file:///etc/passwd#main-key")),
                     ("keyId very long", r => Replace(r, key, alice + "/" + new string('k', 4000) + "#main-key")),
                     ("host header changed", r => r.Headers.Host = "elsewhere.example"),
                 })
        {
            yield return ($"signature: {name}", (http, inbox) => _host.Remote.PostAsync(inbox, follow, key, tamper, via: http));
        }

        yield return ("signature: date a day old", (http, inbox) => _host.Remote.PostAsync(inbox, follow, key, now: DateTimeOffset.UtcNow.AddDays(-1), via: http));
        yield return ("signature: date a day ahead", (http, inbox) => _host.Remote.PostAsync(inbox, follow, key, now: DateTimeOffset.UtcNow.AddDays(1), via: http));
        yield return ("signature: another key", (http, inbox) =>
        {
            using var other = System.Security.Cryptography.RSA.Create(2048);
            return _host.Remote.PostAsync(inbox, follow, key, privateKeyPem: other.ExportPkcs8PrivateKeyPem(), via: http);
        });

        // Correctly signed, by a real actor of the remote host, with contents that make no sense.
        var video = _host.Video(Guid.NewGuid(), "Fuzzed", _host.Channel("alice"), 0, alice);
        foreach (var (name, json) in new (string, string)[]
                 {
                     ("no type", new JsonObject { ["id"] = alice + "/x1", ["actor"] = alice }.ToJsonString()),
                     ("type is a number", new JsonObject { ["id"] = alice + "/x2", ["type"] = 5, ["actor"] = alice }.ToJsonString()),
                     ("type is an array", new JsonObject { ["id"] = alice + "/x3", ["type"] = new JsonArray("Create", "Delete"), ["actor"] = alice }.ToJsonString()),
                     ("no actor", new JsonObject { ["id"] = alice + "/x4", ["type"] = "Create", ["object"] = video.DeepClone() }.ToJsonString()),
                     ("actor is another host's", Activity("Create", "https://elsewhere.example/accounts/x", video.DeepClone())),
                     ("actor is an object", new JsonObject { ["id"] = alice + "/x5", ["type"] = "Like", ["actor"] = new JsonObject { ["id"] = alice } }.ToJsonString()),
                     ("no id", new JsonObject { ["type"] = "Like", ["actor"] = alice, ["object"] = "http://localhost/videos/watch/nothing" }.ToJsonString()),
                     ("Create of nothing", Activity("Create", alice, null)),
                     ("Create of a string", Activity("Create", alice, JsonValue.Create("just text"))),
                     ("Create of an array", Activity("Create", alice, new JsonArray(1, 2, 3))),
                     ("Create of an unknown type", Activity("Create", alice, new JsonObject { ["type"] = "Hologram", ["id"] = alice + "/h" })),
                     ("Create of a video on another host", Activity("Create", alice, With(video, "id", "https://elsewhere.example/videos/watch/1"))),
                     ("Create of a video with a bad uuid", Activity("Create", alice, With(video, "uuid", "not-a-uuid"))),
                     ("Create of a video with a bad duration", Activity("Create", alice, With(video, "duration", "forever"))),
                     ("Create of a video with negative views", Activity("Create", alice, With(video, "views", -5))),
                     ("Create of a video with a huge name", Activity("Create", alice, With(video, "name", new string('n', 20_000)))),
                     ("Create of a video with a numeric name", Activity("Create", alice, With(video, "name", 12))),
                     ("Create of a video with url garbage", Activity("Create", alice, With(video, "url", new JsonArray(1, "x", new JsonObject { ["href"] = 5 })))),
                     ("Create of a video without attributedTo", Activity("Create", alice, Without(video, "attributedTo"))),
                     ("Create of a video attributed to nobody", Activity("Create", alice, With(video, "attributedTo", new JsonArray()))),
                     ("Update of an unknown video", Activity("Update", alice, With(video, "id", _host.Base + "/videos/watch/" + Guid.NewGuid()))),
                     ("Update of one of our videos", Activity("Update", alice, With(video, "id", "http://localhost/videos/watch/" + Guid.NewGuid()))),
                     ("Delete of nothing", Activity("Delete", alice, null)),
                     ("Delete of our instance", Activity("Delete", alice, JsonValue.Create("http://localhost/accounts/peertube"))),
                     ("Delete of an object", Activity("Delete", alice, new JsonObject { ["type"] = "Tombstone", ["id"] = 7 })),
                     ("Undo of nothing", Activity("Undo", alice, null)),
                     ("Undo of a Like of nothing", Activity("Undo", alice, new JsonObject { ["type"] = "Like", ["actor"] = alice })),
                     ("Undo of someone else's Follow", Activity("Undo", alice, new JsonObject { ["type"] = "Follow", ["actor"] = "http://localhost/accounts/root", ["object"] = alice })),
                     ("Like of a missing video", Activity("Like", alice, JsonValue.Create("http://localhost/videos/watch/" + Guid.NewGuid()))),
                     ("Like of a number", Activity("Like", alice, JsonValue.Create(3))),
                     ("Dislike of another host", Activity("Dislike", alice, JsonValue.Create("https://elsewhere.example/videos/watch/1"))),
                     ("View of garbage", Activity("View", alice, JsonValue.Create("::::"))),
                     ("Announce of nothing", Activity("Announce", alice, null)),
                     ("Announce of a private address", Activity("Announce", alice, JsonValue.Create("http://169.254.169.254/latest/meta-data"))),
                     ("Follow of nobody", Activity("Follow", alice, JsonValue.Create("http://localhost/accounts/nobody"))),
                     ("Follow of an array", Activity("Follow", alice, new JsonArray("http://localhost/accounts/root", "http://localhost/accounts/root"))),
                     ("Accept of nothing", Activity("Accept", alice, null)),
                     ("Accept of an unknown follow", Activity("Accept", alice, new JsonObject { ["type"] = "Follow", ["id"] = alice + "/f/1", ["actor"] = "http://localhost/accounts/peertube", ["object"] = alice })),
                     ("Reject of a string", Activity("Reject", alice, JsonValue.Create("no"))),
                     ("Flag of nothing", Activity("Flag", alice, null)),
                     ("Flag of garbage", Activity("Flag", alice, new JsonArray(JsonValue.Create(1), null, "x"))),
                     ("Note without inReplyTo", Activity("Create", alice, new JsonObject { ["type"] = "Note", ["id"] = alice + "/n1", ["content"] = "hi", ["attributedTo"] = alice })),
                     ("Note replying to a missing video", Activity("Create", alice, new JsonObject { ["type"] = "Note", ["id"] = alice + "/n2", ["content"] = "hi", ["attributedTo"] = alice, ["inReplyTo"] = "http://localhost/videos/watch/" + Guid.NewGuid() })),
                     ("Note with a huge content", Activity("Create", alice, new JsonObject { ["type"] = "Note", ["id"] = alice + "/n3", ["content"] = new string('c', 30_000), ["attributedTo"] = alice, ["inReplyTo"] = "http://localhost/videos/watch/x" })),
                     ("CacheFile of nothing", Activity("Create", alice, new JsonObject { ["type"] = "CacheFile", ["id"] = alice + "/c1" })),
                     ("CacheFile of a missing video", Activity("Create", alice, new JsonObject { ["type"] = "CacheFile", ["id"] = alice + "/c2", ["object"] = "http://localhost/videos/watch/" + Guid.NewGuid(), ["url"] = new JsonObject { ["href"] = "http://127.0.0.1:9/x" } })),
                     ("unknown activity type", Activity("Teleport", alice, JsonValue.Create("somewhere"))),
                     ("deep object", Activity("Create", alice, Deep(200))),
                     ("many fields", Activity("Create", alice, Wide(2000))),
                 })
        {
            yield return ($"signed: {name}", (http, inbox) => _host.Remote.PostAsync(inbox, json, key, via: http));
        }
    }

    private static string Activity(string type, string actor, JsonNode? obj) => new JsonObject
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{actor}/activities/{Guid.NewGuid():N}", ["type"] = type,
        ["actor"] = actor, ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = obj,
    }.ToJsonString();

    private static JsonObject With(JsonObject obj, string key, JsonNode? value)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy[key] = value;
        return copy;
    }

    private static JsonObject Without(JsonObject obj, string key)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove(key);
        return copy;
    }

    private static JsonNode Deep(int depth)
    {
        JsonNode node = JsonValue.Create("bottom");
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["type"] = "Note", ["object"] = node };
        }

        return node;
    }

    private static JsonObject Wide(int fields)
    {
        var obj = new JsonObject { ["type"] = "Video" };
        for (var i = 0; i < fields; i++)
        {
            obj["f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = i;
        }

        return obj;
    }

    private static void Replace(HttpRequestMessage request, string from, string to)
    {
        var value = string.Join(",", request.Headers.GetValues("Signature"));
        request.Headers.Remove("Signature");
        request.Headers.TryAddWithoutValidation("Signature", value.Replace(from, to, StringComparison.Ordinal));
    }

    private static void ReplaceRegex(HttpRequestMessage request, string pattern, string to)
    {
        var value = string.Join(",", request.Headers.GetValues("Signature"));
        request.Headers.Remove("Signature");
        request.Headers.TryAddWithoutValidation("Signature", System.Text.RegularExpressions.Regex.Replace(value, pattern, to));
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }
}
