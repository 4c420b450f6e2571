using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation.Http;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Forged traffic must not make us fetch without end: a keyId whose signature failed after a fresh fetch is not fetched
/// again for a while (Federation:BadSignatureCacheSeconds), and one source may cause only so many key fetches a minute
/// (Federation:KeyFetchesPerMinutePerIp), then gets 429 too_many_requests.
/// </summary>
public sealed class InboxCostTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private HttpClient _http = null!;
    private readonly FakeRemote _remote = new();
    private string _mallory = "";

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Postgres, new Dictionary<string, string?>
        {
            ["Federation:AllowPrivateAddresses"] = "true",
            ["Federation:KeyFetchesPerMinutePerIp"] = "3",
        });
        _http = _server.CreateClient();
        _mallory = _remote.Person("mallory");
    }

    private string Follow(int n) => $$"""
        {"@context":"https://www.w3.org/ns/activitystreams","id":"{{_mallory}}/follows/{{n}}","type":"Follow",
         "actor":"{{_mallory}}","object":"http://localhost/video-channels/root_channel"}
        """;

    [Fact]
    public async Task A_key_that_failed_after_a_fresh_fetch_is_not_fetched_again_for_a_while()
    {
        var (_, forgedKey) = HttpSignatures.NewKeyPair();
        var first = await _remote.PostAsync("http://localhost/inbox", Follow(1), _mallory + "#main-key", privateKeyPem: forgedKey, via: _http);
        await first.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");
        var fetches = _remote.Fetched.Count(p => p == "/users/mallory");
        Assert.True(fetches >= 1);

        for (var i = 2; i <= 4; i++)
        {
            var again = await _remote.PostAsync("http://localhost/inbox", Follow(i), _mallory + "#main-key", privateKeyPem: forgedKey, via: _http);
            await again.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "invalid_signature");
        }

        Assert.Equal(fetches, _remote.Fetched.Count(p => p == "/users/mallory"));

        // Mallory's real key still works: its check needs no fetch.
        var genuine = await _remote.PostAsync("http://localhost/inbox", Follow(5), _mallory + "#main-key", via: _http);
        await genuine.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await using var scope = _server.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<AppDbContext>().InboxActivities.CountAsync());
    }

    [Fact]
    public async Task Unknown_keys_cost_one_fetch_each_up_to_a_limit_per_source_then_429()
    {
        for (var i = 1; i <= 3; i++)
        {
            var unknown = await _remote.PostAsync("http://localhost/inbox", Follow(i), $"http://127.0.0.1:9/users/ghost{i}#main-key", via: _http);
            await unknown.ShouldBeErrorAsync(HttpStatusCode.Unauthorized, "unknown_key");
        }

        var limited = await _remote.PostAsync("http://localhost/inbox", Follow(4), $"{_remote.BaseUrl}/users/ghost4#main-key", via: _http);
        await limited.ShouldBeErrorAsync(HttpStatusCode.TooManyRequests, "too_many_requests");
        Assert.DoesNotContain("/users/ghost4", _remote.Fetched);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _remote.DisposeAsync();
        await _server.DisposeAsync();
    }
}
