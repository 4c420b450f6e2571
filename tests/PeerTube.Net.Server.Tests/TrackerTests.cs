using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Media.Torrents;
using PeerTube.Net.Server.Features.Tracker;
using PeerTube.Net.Server.Tests.Infrastructure;
using static PeerTube.Net.Server.Tests.TrackerServer;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The HTTP tracker as BitTorrent clients use it (BEP 3, 23, 48), PeerTube's private-tracker rules, and the admin view.
/// Each test has its own info-hash and its own client IPs.
/// </summary>
public sealed class TrackerTests(HttpTrackerFixture fixture) : IClassFixture<HttpTrackerFixture>
{
    private readonly TrackerServer _server = fixture.Server;

    [Fact]
    public async Task Two_peers_see_each_other_compact_or_not_and_never_themselves()
    {
        var torrent = _server.Known[0];
        var (alice, bob) = (PeerId("alice"), PeerId("bob"));
        var aliceIp = IPAddress.Parse("10.1.0.1");
        var bobIp = IPAddress.Parse("10.1.0.2");

        var first = await _server.AnnounceAsync(aliceIp, torrent, alice, 6881, "&left=1000&event=started&compact=1");
        Assert.Null(first["failure reason"]);
        Assert.Equal(120, Integer(first, "interval"));
        Assert.Equal(60, Integer(first, "min interval"));
        Assert.Equal(0, Integer(first, "complete"));
        Assert.Equal(1, Integer(first, "incomplete"));
        Assert.Empty(Compact(first["peers"], 4));

        var second = await _server.AnnounceAsync(bobIp, torrent, bob, 6882, "&left=0&event=started&compact=1");
        Assert.Equal(1, Integer(second, "complete"));
        Assert.Equal(1, Integer(second, "incomplete"));
        Assert.Equal([new IPEndPoint(aliceIp, 6881)], Compact(second["peers"], 4));
        Assert.Empty(Compact(second["peers6"], 16));

        var full = await _server.AnnounceAsync(aliceIp, torrent, alice, 6881, "&left=500");
        var peer = Assert.IsType<BDictionary>(Assert.Single(Assert.IsType<BList>(full["peers"]).Items));
        Assert.Equal(bob, Assert.IsType<BString>(peer["peer id"]).Bytes.ToArray());
        Assert.Equal("10.1.0.2", Text(peer, "ip"));
        Assert.Equal(6882, Integer(peer, "port"));

        // An IPv6 peer arrives in peers6 for compact clients and in the list for the others.
        var carolIp = IPAddress.Parse("2001:db8::7");
        await _server.AnnounceAsync(carolIp, torrent, PeerId("carol"), 7000, "&left=10");
        var compact = await _server.AnnounceAsync(aliceIp, torrent, alice, 6881, "&left=500&compact=1");
        Assert.Equal([new IPEndPoint(bobIp, 6882)], Compact(compact["peers"], 4));
        Assert.Equal([new IPEndPoint(carolIp, 7000)], Compact(compact["peers6"], 16));
        var noIds = await _server.AnnounceAsync(bobIp, torrent, bob, 6882, "&left=0&no_peer_id=1");
        var listed = Assert.IsType<BList>(noIds["peers"]).Items.Cast<BDictionary>().ToList();
        Assert.Equal(["10.1.0.1", "2001:db8::7"], listed.Select(p => Text(p, "ip")).Order());
        Assert.All(listed, p => Assert.Null(p["peer id"]));
    }

    [Fact]
    public async Task A_stopped_peer_leaves_the_swarm_and_scrape_counts_what_is_left()
    {
        var torrent = _server.Known[1];
        var other = _server.Known[2];
        var ip = IPAddress.Parse("10.2.0.1");
        await _server.AnnounceAsync(ip, torrent, PeerId("seed"), 7001, "&left=0&event=started");
        await _server.AnnounceAsync(ip, torrent, PeerId("leech-1"), 7002, "&left=100&event=started");
        await _server.AnnounceAsync(ip, torrent, PeerId("leech-2"), 7003, "&left=100&event=started");
        var completed = await _server.AnnounceAsync(ip, torrent, PeerId("leech-2"), 7003, "&left=0&event=completed&compact=1");
        Assert.Equal(2, Integer(completed, "complete"));
        Assert.Equal(1, Integer(completed, "incomplete"));

        var stopped = await _server.AnnounceAsync(ip, torrent, PeerId("seed"), 7001, "&left=0&event=stopped&compact=1");
        Assert.Equal(1, Integer(stopped, "complete"));
        Assert.Empty(Compact(stopped["peers"], 4));
        var remaining = await _server.AnnounceAsync(ip, torrent, PeerId("leech-1"), 7002, "&left=100&compact=1");
        Assert.Equal([new IPEndPoint(ip, 7003)], Compact(remaining["peers"], 4));

        // BEP 48: files keyed by the raw 20-byte info-hash, several hashes in one request.
        var scrape = await _server.ScrapeAsync(ip, torrent, other);
        var files = Assert.IsType<BDictionary>(scrape["files"]);
        Assert.Equal(2, files.Count);
        var counts = Assert.IsType<BDictionary>(files[BDictionary.KeyFromBytes(torrent)]);
        Assert.Equal(1, Integer(counts, "complete"));
        Assert.Equal(1, Integer(counts, "incomplete"));
        Assert.Equal(1, Integer(counts, "downloaded"));
        var empty = Assert.IsType<BDictionary>(files[BDictionary.KeyFromBytes(other)]);
        Assert.Equal(0, Integer(empty, "complete") + Integer(empty, "incomplete"));

        Assert.Contains("info_hash", Text(await _server.GetBencodedAsync(ip, "/tracker/scrape", ""), "failure reason"));
    }

    [Fact]
    public async Task Peers_that_stop_announcing_are_forgotten()
    {
        var torrent = _server.Known[3];
        var ip = IPAddress.Parse("10.3.0.1");
        await _server.AnnounceAsync(ip, torrent, PeerId("quiet"), 7101, "&left=100&event=started");
        await _server.AnnounceAsync(ip, torrent, PeerId("chatty"), 7102, "&left=100&event=started");

        _server.Clock.Advance(TimeSpan.FromSeconds(200));
        var refreshed = await _server.AnnounceAsync(ip, torrent, PeerId("chatty"), 7102, "&left=100&compact=1");
        Assert.Equal([new IPEndPoint(ip, 7101)], Compact(refreshed["peers"], 4));

        // 400 s after its last announce, past the 330 s peer lifetime; the chatty one announced 200 s ago.
        _server.Clock.Advance(TimeSpan.FromSeconds(200));
        var newcomer = await _server.AnnounceAsync(ip, torrent, PeerId("newcomer"), 7103, "&left=100&compact=1");
        Assert.Equal([new IPEndPoint(ip, 7102)], Compact(newcomer["peers"], 4));
        Assert.Equal(2, Integer(newcomer, "incomplete"));

        // The sweeper forgets the rest once everyone is silent, and the empty swarm with them.
        // (Every peer of the earlier tests is older still.)
        _server.Clock.Advance(TimeSpan.FromSeconds(400));
        var store = _server.Service<SwarmStore>();
        store.Sweep();
        Assert.Equal(0, store.PeerCount);
        var files = Assert.IsType<BDictionary>((await _server.ScrapeAsync(ip, torrent))["files"]);
        Assert.Equal(0, Integer(Assert.IsType<BDictionary>(files[BDictionary.KeyFromBytes(torrent)]), "incomplete"));
    }

    [Fact]
    public async Task Numwant_and_the_configured_maximum_bound_the_peer_list()
    {
        var torrent = _server.Known[4];
        var ip = IPAddress.Parse("10.4.0.1");
        for (var i = 0; i < 7; i++)
        {
            await _server.AnnounceAsync(ip, torrent, PeerId($"crowd-{i}"), 8000 + i, "&left=100");
        }

        async Task<int> PeersFor(string numwant) =>
            Compact((await _server.AnnounceAsync(ip, torrent, PeerId("asker"), 8100, "&left=100&compact=1" + numwant))["peers"], 4).Count;

        Assert.Equal(2, await PeersFor("&numwant=2"));
        Assert.Equal(4, await PeersFor("&numwant=500"));
        Assert.Equal(4, await PeersFor(""));
        Assert.Equal(0, await PeersFor("&numwant=0"));
        var all = Compact((await _server.AnnounceAsync(ip, torrent, PeerId("asker"), 8100, "&left=100&compact=1"))["peers"], 4);
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.DoesNotContain(new IPEndPoint(ip, 8100), all);
    }

    [Theory]
    [InlineData("peer_id={peer}&port=6881", "invalid info_hash")]
    [InlineData("info_hash=%01%02%03&peer_id={peer}&port=6881", "invalid info_hash")]
    [InlineData("info_hash={hash}&port=6881", "invalid peer_id")]
    [InlineData("info_hash={hash}&peer_id=short&port=6881", "invalid peer_id")]
    [InlineData("info_hash={hash}&peer_id={peer}", "invalid port")]
    [InlineData("info_hash={hash}&peer_id={peer}&port=0", "invalid port")]
    [InlineData("info_hash={hash}&peer_id={peer}&port=70000", "invalid port")]
    [InlineData("info_hash={hash}&peer_id={peer}&port=abc", "invalid port")]
    [InlineData("info_hash={hash}&peer_id={peer}&port=6881&event=exploded", "invalid event")]
    public async Task A_malformed_announce_gets_a_failure_reason_and_the_tracker_goes_on(string query, string failure)
    {
        var torrent = _server.Known[5];
        var ip = IPAddress.Parse("10.5.0.1");
        var response = await _server.AnnounceAsync(ip, query.Replace("{hash}", Escape(torrent)).Replace("{peer}", Escape(PeerId("mangled"))));
        Assert.Equal(failure, Text(response, "failure reason"));
        Assert.Null(response["peers"]);

        var fine = await _server.AnnounceAsync(ip, torrent, PeerId("fine"), 6881, "&left=0");
        Assert.Null(fine["failure reason"]);
        Assert.Equal(1, Integer(fine, "complete"));
    }

    [Fact]
    public async Task An_unknown_info_hash_is_refused_and_its_ip_is_blocked_for_a_while_even_for_ours()
    {
        var ours = _server.Known[6];
        var stranger = IPAddress.Parse("10.6.0.1");
        var neighbour = IPAddress.Parse("10.6.0.2");
        var unknown = Enumerable.Repeat((byte)0xAB, 20).ToArray();

        var refused = await _server.AnnounceAsync(stranger, unknown, PeerId("pirate"), 6881, "&left=100");
        Assert.Equal($"Unknown infoHash {Convert.ToHexStringLower(unknown)} requested by ip 10.6.0.1", Text(refused, "failure reason"));

        var blocked = await _server.AnnounceAsync(stranger, ours, PeerId("pirate"), 6881, "&left=100");
        Assert.Contains("blocked", Text(blocked, "failure reason"));
        Assert.Contains("blocked", Text(await _server.ScrapeAsync(stranger, ours), "failure reason"));
        Assert.Null((await _server.AnnounceAsync(neighbour, ours, PeerId("neighbour"), 6881, "&left=100"))["failure reason"]);

        // PeerTube's block lasts 3 minutes.
        _server.Clock.Advance(TimeSpan.FromSeconds(181));
        var welcome = await _server.AnnounceAsync(stranger, ours, PeerId("pirate"), 6881, "&left=100&compact=1");
        Assert.Null(welcome["failure reason"]);
        Assert.Single(Compact(welcome["peers"], 4));
    }

    [Fact]
    public async Task Loopback_is_never_blocked_so_a_same_host_proxy_cannot_lock_everyone_out()
    {
        var proxy = IPAddress.Loopback;
        var unknown = Enumerable.Repeat((byte)0xCD, 20).ToArray();
        Assert.StartsWith("Unknown infoHash", Text(await _server.AnnounceAsync(proxy, unknown, PeerId("someone"), 6881, "&left=1"), "failure reason"));
        Assert.Null((await _server.AnnounceAsync(proxy, _server.Known[10], PeerId("everyone"), 6882, "&left=1"))["failure reason"]);
    }

    [Fact]
    public async Task An_ip_that_announces_too_often_is_refused_until_the_next_minute()
    {
        var torrent = _server.Known[7];
        var busy = IPAddress.Parse("10.7.0.1");
        _server.Clock.AdvanceToNextMinute();
        for (var i = 0; i < 30; i++)
        {
            Assert.Null((await _server.AnnounceAsync(busy, torrent, PeerId("busy"), 6881, "&left=100"))["failure reason"]);
        }

        Assert.Contains("Too many requests", Text(await _server.AnnounceAsync(busy, torrent, PeerId("busy"), 6881, "&left=100"), "failure reason"));
        Assert.Null((await _server.AnnounceAsync(IPAddress.Parse("10.7.0.2"), torrent, PeerId("calm"), 6881, "&left=100"))["failure reason"]);

        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Null((await _server.AnnounceAsync(busy, torrent, PeerId("busy"), 6881, "&left=100"))["failure reason"]);
    }

    [Fact]
    public async Task Our_own_seeder_is_handed_to_http_peers_until_it_leaves()
    {
        var torrent = _server.Known[8];
        var hash = Convert.ToHexStringLower(torrent);
        var registry = _server.Service<ITrackerPeerRegistry>();
        var seeder = new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51413);
        registry.AnnounceLocalSeeder(hash, PeerId("our-seeder"), seeder);

        var ip = IPAddress.Parse("10.8.0.1");
        var response = await _server.AnnounceAsync(ip, torrent, PeerId("viewer"), 6881, "&left=100&compact=1");
        Assert.Equal([seeder], Compact(response["peers"], 4));
        Assert.Equal(1, Integer(response, "complete"));

        registry.RemoveLocalSeeder(hash, PeerId("our-seeder"));
        response = await _server.AnnounceAsync(ip, torrent, PeerId("viewer"), 6881, "&left=100&compact=1");
        Assert.Empty(Compact(response["peers"], 4));
        Assert.Equal(0, Integer(response, "complete"));
    }

    [Fact]
    public async Task Admins_see_tracker_statistics_and_others_do_not()
    {
        var torrent = _server.Known[9];
        var ip = IPAddress.Parse("10.9.0.1");
        for (var i = 0; i < 3; i++)
        {
            await _server.AnnounceAsync(ip, torrent, PeerId($"stat-{i}"), 9000 + i, i == 0 ? "&left=0" : "&left=10");
        }

        using var root = await PeerTubeClient.LoginAsRootAsync(_server.Server);
        using var admin = _server.ClientFor(root);
        var stats = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/tracker/stats?count=100");
        Assert.True(stats.GetProperty("torrents").GetInt32() >= 1);
        Assert.True(stats.GetProperty("announces").GetInt64() >= 3);
        var peers = stats.GetProperty("peers");
        Assert.Equal(peers.GetProperty("total").GetInt32(), peers.GetProperty("seeders").GetInt32() + peers.GetProperty("leechers").GetInt32());
        var row = stats.GetProperty("topTorrents").EnumerateArray().Single(t => t.GetProperty("infoHash").GetString() == Convert.ToHexStringLower(torrent));
        Assert.Equal(3, row.GetProperty("peers").GetInt32());
        Assert.Equal(1, row.GetProperty("seeders").GetInt32());
        Assert.Equal(2, row.GetProperty("leechers").GetInt32());

        using var plain = await root.CreateUserAndLoginAsync(_server.Server, "tracker_watcher");
        using var user = _server.ClientFor(plain);
        await (await user.GetAsync("/api/v1/admin/tracker/stats")).ShouldBeErrorAsync(HttpStatusCode.Forbidden, null);
        using var anonymous = _server.Tracker.CreateClient();
        await (await anonymous.GetAsync("/api/v1/admin/tracker/stats")).ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_disabled_tracker_answers_nothing()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { ["Tracker:Enabled"] = "false" });
        using var root = await PeerTubeClient.LoginAsRootAsync(server);
        var hash = Escape(new byte[20]);
        foreach (var path in new[] { $"/tracker/announce?info_hash={hash}&peer_id={hash}&port=1", $"/tracker/scrape?info_hash={hash}", "/tracker/socket",
                     "/api/v1/admin/tracker/stats" })
        {
            await (await root.Http.GetAsync(path)).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        }

        // The seeder may still call in; nothing is kept.
        var registry = server.Services.GetRequiredService<ITrackerPeerRegistry>();
        registry.AnnounceLocalSeeder(new string('a', 40), PeerId("idle"), new IPEndPoint(IPAddress.Loopback, 1));
        Assert.Equal(0, server.Services.GetRequiredService<SwarmStore>().PeerCount);
    }

    [Fact]
    public async Task A_peer_lifetime_shorter_than_the_announce_interval_stops_the_boot()
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
            {
                ["Tracker:AnnounceIntervalSeconds"] = "120",
                ["Tracker:PeerTtlSeconds"] = "60",
            });
        });

        Assert.NotNull(error);
        Assert.Contains("Tracker:PeerTtlSeconds", error.ToString());
    }
}
