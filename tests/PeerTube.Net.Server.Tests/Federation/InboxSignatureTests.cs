using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// A remote server knocks on our inbox. Only a request signed with its actor's key, whose Digest matches the body and
/// whose Date is recent, is taken in; every other one is refused with PeerTube's error shape and leaves nothing behind.
/// </summary>
public sealed class InboxSignatureTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private HttpClient _http = null!;
    private readonly FakeRemote _remote = new();
    private string _follow = "";
    private string _keyId = "";

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?> { ["Federation:AllowPrivateAddresses"] = "true" });
        _http = _server.CreateClient();
        var mallory = _remote.Person("mallory");
        _keyId = mallory + "#main-key";
        _follow = $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"{{mallory}}/follows/1","type":"Follow",
             "actor":"{{mallory}}","object":"http://localhost/video-channels/root_channel"}
            """;
    }

    [Fact]
    public async Task Unsigned_forged_tampered_or_stale_activities_are_refused_and_nothing_is_stored()
    {
        // No signature at all.
        var unsigned = await _http.PostAsync("/inbox", new StringContent(_follow, Encoding.UTF8, "application/activity+json"));
        await unsigned.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "missing_signature");

        // Signed with a key that is not the actor's (the key is fetched again once, in case it was rotated).
        var (_, otherKey) = HttpSignatures.NewKeyPair();
        var forged = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, privateKeyPem: otherKey, via: _http);
        await forged.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");

        // A valid signature over a Digest that the body no longer matches.
        var swapped = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, via: _http, tamper: request =>
        {
            request.Content = new StringContent(_follow.Replace("follows/1", "follows/2"), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        });
        await swapped.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_digest");

        // A header changed after signing.
        var retargeted = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, via: _http, tamper: request =>
        {
            request.Headers.Remove("Date");
            request.Headers.TryAddWithoutValidation("Date", DateTimeOffset.UtcNow.AddMinutes(1).ToString("r"));
        });
        await retargeted.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");

        // Properly signed, but a day old: a replay.
        var stale = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, now: DateTimeOffset.UtcNow.AddHours(-13), via: _http);
        var staleError = await stale.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");
        Assert.Contains("date", staleError.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);

        // Signed by mallory, claiming to be someone on another host.
        var impersonation = _follow.Replace($"\"actor\":\"{_remote.BaseUrl}/users/mallory\"", "\"actor\":\"https://peertube.example/accounts/alice\"");
        var impostor = await _remote.PostAsync("http://localhost/inbox", impersonation, _keyId, via: _http);
        await impostor.ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);

        // A key on a host that does not answer.
        var nowhere = await _remote.PostAsync("http://localhost/inbox", _follow, "http://127.0.0.1:9/users/ghost#main-key", via: _http);
        await nowhere.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "unknown_key");

        Assert.Equal(0, await CountAsync(db => db.InboxActivities.CountAsync()));
        Assert.Equal(0, await CountAsync(db => db.ActorFollows.CountAsync()));
        Assert.Empty(_remote.Received);

        // The same Follow, signed properly, is taken in: the checks above could have let it through.
        var genuine = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, via: _http);
        await genuine.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await FederationTestKit.EventuallyAsync(async () => await CountAsync(db => db.ActorFollows.CountAsync()) == 1, "the follow to be stored");
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(_remote.Received.Any(r => r.Body.GetProperty("type").GetString() == "Accept")),
            "mallory to receive the Accept");
        var accept = _remote.Received.First(r => r.Body.GetProperty("type").GetString() == "Accept");
        Assert.Equal("/users/mallory/inbox", accept.Path); // Answers go to the follower itself, as PeerTube does.
        Assert.Equal($"{_remote.BaseUrl}/users/mallory/follows/1", accept.Body.GetProperty("object").GetProperty("id").GetString());

        // Delivered twice, it is stored once.
        var again = await _remote.PostAsync("http://localhost/inbox", _follow, _keyId, via: _http);
        await again.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        Assert.Equal(1, await CountAsync(db => db.InboxActivities.CountAsync()));
    }

    [Fact]
    public async Task An_oversized_or_malformed_body_is_refused_with_a_clear_error()
    {
        var huge = "{\"type\":\"Note\",\"content\":\"" + new string('x', 3 * 1024 * 1024) + "\"}";
        var tooBig = await _remote.PostAsync("http://localhost/inbox", huge, _keyId, via: _http);
        await tooBig.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        var notJson = await _remote.PostAsync("http://localhost/inbox", "{\"type\": \"Follow\", ", _keyId, via: _http);
        await notJson.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_activity");

        var noActor = await _remote.PostAsync("http://localhost/inbox", "{\"type\":\"Follow\",\"object\":\"x\"}", _keyId, via: _http);
        await noActor.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_activity");

        Assert.Equal(0, await CountAsync(db => db.InboxActivities.CountAsync()));
    }

    private async Task<int> CountAsync(Func<AppDbContext, Task<int>> count)
    {
        await using var scope = _server.Services.CreateAsyncScope();
        return await count(scope.ServiceProvider.GetRequiredService<AppDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _remote.DisposeAsync();
        await _server.DisposeAsync();
    }
}
