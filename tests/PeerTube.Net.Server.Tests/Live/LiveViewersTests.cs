using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Engagement;
using PeerTube.Net.Server.Tests.Federation;
using PeerTube.Net.Server.Tests.Infrastructure;
using PeerTube.Net.Server.Tests.Security;

namespace PeerTube.Net.Server.Tests.Live;

/// <summary>
/// Issue 19, the live viewer count: who watches now (each player's heartbeat on POST /videos/{id}/views, and the
/// viewers other instances report with PeerTube's View with expires), shown as <c>viewers</c> and pushed on /hubs/live
/// to those who may watch the video. Lives that are only created (no RTMP): the count does not need a stream.
/// </summary>
public sealed class LiveViewersTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ServerApplication _server = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;
    private FakePeerTube _peertube = null!;
    private FakePeerTube _other = null!;
    private readonly List<HubConnection> _hubs = [];

    public async ValueTask InitializeAsync()
    {
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["Federation:AllowPrivateAddresses"] = "true",
            ["Live:MaxInstanceLives"] = "20",
            ["Live:MaxUserLives"] = "20",
            // A federation round every 7.5 s (a quarter of the lifetime; reports last up to two lifetimes, so slow runs stay in time), pushes every 200 ms; tight bounds to reach.
            ["Viewers:LifetimeSeconds"] = "30",
            ["Viewers:PushIntervalMilliseconds"] = "200",
            ["Viewers:MaxSessionsPerAddress"] = "3",
            ["Viewers:MaxRemoteViewersPerHost"] = "3",
            ["Viewers:MaxSubscriptionsPerConnection"] = "2",
        });
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await root.CreateUserAndLoginAsync(_server, "streamer");
        _stranger = await root.CreateUserAndLoginAsync(_server, "stranger");
        _peertube = new FakePeerTube(_server).WithAccounts("alice");
        _other = new FakePeerTube(_server).WithAccounts("mallory");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync();
        }

        _owner.Dispose();
        _stranger.Dispose();
        await _peertube.DisposeAsync();
        await _other.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Each_watching_session_is_a_viewer_pushed_to_the_hub_and_one_address_is_only_so_many()
    {
        var live = await _owner.CreateLiveAsync("Counted live");
        var uuid = (await _owner.GetVideoAsync(live)).GetProperty("uuid").GetString()!;
        var hub = await ConnectAsync();
        var pushed = Collect(hub);
        Assert.Equal(0, (await hub.InvokeAsync<ViewersUpdate>("Subscribe", uuid, Ct)).Viewers);

        using var home = ClientFrom("198.51.100.7");
        await HeartbeatAsync(home, uuid, "tab-one");
        Assert.Equal(1, await NextCountAsync(pushed));
        await HeartbeatAsync(home, uuid, "tab-two");
        Assert.Equal(2, await NextCountAsync(pushed));
        await HeartbeatAsync(home, uuid, "tab-one"); // a heartbeat, not a newcomer
        Assert.Equal(2, (await _owner.GetVideoAsync(uuid)).GetProperty("viewers").GetInt32());

        // Viewers:MaxSessionsPerAddress (3): a fourth session from the same address does not count, another address does.
        await HeartbeatAsync(home, uuid, "tab-three");
        await HeartbeatAsync(home, uuid, "tab-four");
        using var neighbour = ClientFrom("198.51.100.8");
        await HeartbeatAsync(neighbour, uuid, null);
        await FederationTestKit.EventuallyAsync(async () => (await _owner.GetVideoAsync(uuid)).GetProperty("viewers").GetInt32() == 4,
            "4 viewers: 3 sessions of one address and one of another");

        // A session id that is not a short token is bad input.
        var bad = await home.PostAsJsonAsync($"/api/v1/videos/{uuid}/views", new { currentTime = 1, sessionId = new string('x', 101) }, Ct);
        await bad.ShouldBeErrorAsync(HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task Only_who_may_watch_a_video_subscribes_to_its_count_and_a_connection_follows_few()
    {
        var hidden = await _owner.CreateLiveAsync("Private live", new { privacy = 3 });
        var open = await _owner.CreateLiveAsync("Public live");
        var another = await _owner.CreateLiveAsync("Another live");

        var anonymous = await ConnectAsync();
        await RefusedAsync(anonymous, "no-such-video", "video not found");
        await RefusedAsync(anonymous, Guid.NewGuid().ToString(), "video not found");
        // A private video is "not found" to a stranger, signed in or not, as to the API.
        await RefusedAsync(anonymous, hidden.ToString(CultureInfo.InvariantCulture), "video not found");
        await RefusedAsync(await ConnectAsync(Token(_stranger)), hidden.ToString(CultureInfo.InvariantCulture), "video not found");

        var owner = await ConnectAsync(Token(_owner));
        Assert.Equal(hidden, (await owner.InvokeAsync<ViewersUpdate>("Subscribe", hidden.ToString(CultureInfo.InvariantCulture), Ct)).VideoId);
        Assert.Equal(open, (await owner.InvokeAsync<ViewersUpdate>("Subscribe", open.ToString(CultureInfo.InvariantCulture), Ct)).VideoId);
        // The same video again is no new subscription; a third one is beyond Viewers:MaxSubscriptionsPerConnection (2).
        await owner.InvokeAsync<ViewersUpdate>("Subscribe", open.ToString(CultureInfo.InvariantCulture), Ct);
        await RefusedAsync(owner, another.ToString(CultureInfo.InvariantCulture), "too many subscriptions");
        await owner.InvokeAsync("Unsubscribe", hidden, Ct);
        await owner.InvokeAsync<ViewersUpdate>("Subscribe", another.ToString(CultureInfo.InvariantCulture), Ct);
    }

    [Fact]
    public async Task Remote_viewers_of_our_live_count_from_their_instance_until_they_expire_and_forged_reports_are_refused()
    {
        var live = await _owner.CreateLiveAsync("Watched from afar");
        var uuid = (await _owner.GetVideoAsync(live)).GetProperty("uuid").GetString()!;
        var url = JsonValue.Create($"http://localhost/videos/watch/{uuid}")!;
        var hub = await ConnectAsync();
        var pushed = Collect(hub);
        await hub.InvokeAsync<ViewersUpdate>("Subscribe", uuid, Ct);

        // PeerTube sends one View with expires per viewer; each is one viewer, whatever count it carries.
        Assert.Null(await _peertube.SendAsync("View", _peertube.InstanceActor, url, Viewer(TimeSpan.FromMinutes(1), count: 12)));
        Assert.Equal(1, await NextCountAsync(pushed));
        using var local = ClientFrom("198.51.100.20");
        await HeartbeatAsync(local, uuid, "here");
        Assert.Equal(2, await NextCountAsync(pushed));
        Assert.Equal(2, (await PeerTubeClient.Anonymous(_server).GetVideoAsync(uuid)).GetProperty("viewers").GetInt32());

        // Forged: a viewer named on another host than its signer's (the inbox refuses it at the door), no expires date,
        // our private live.
        var forged = Viewer(TimeSpan.FromMinutes(1));
        forged["@context"] = "https://www.w3.org/ns/activitystreams";
        forged["id"] = $"{_other.Base}/views/videos/1/someone";
        forged["type"] = "View";
        forged["actor"] = _peertube.InstanceActor;
        forged["object"] = url.DeepClone();
        using (var inbox = _server.CreateClient())
        {
            await (await _peertube.Remote.PostAsync("http://localhost/inbox", forged.ToJsonString(), _peertube.InstanceActor + "#main-key", via: inbox))
                .ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        }

        Assert.Contains("expires", await _peertube.SendAsync("View", _peertube.InstanceActor, url, new JsonObject { ["expires"] = "soon" }));
        var hidden = await _owner.CreateLiveAsync("Private, watched from afar", new { privacy = 3 });
        var hiddenUuid = (await _owner.GetVideoAsync(hidden)).GetProperty("uuid").GetString()!;
        Assert.Contains("private", await _peertube.SendAsync("View", _peertube.InstanceActor,
            JsonValue.Create($"http://localhost/videos/watch/{hiddenUuid}")!, Viewer(TimeSpan.FromMinutes(1))));

        // Viewers:MaxRemoteViewersPerHost (3): one instance reports no more than that; and a short expiry ends by itself.
        Assert.Null(await _peertube.SendAsync("View", _peertube.InstanceActor, url, Viewer(TimeSpan.FromMinutes(1))));
        Assert.Null(await _peertube.SendAsync("View", _peertube.InstanceActor, url, Viewer(TimeSpan.FromSeconds(5))));
        Assert.Contains("too many viewers", await _peertube.SendAsync("View", _peertube.InstanceActor, url, Viewer(TimeSpan.FromMinutes(1))));
        await HeartbeatAsync(local, uuid, "here");
        Assert.Equal(4, (await _stranger.GetVideoAsync(uuid)).GetProperty("viewers").GetInt32());
        await FederationTestKit.EventuallyAsync(async () => (await _stranger.GetVideoAsync(uuid)).GetProperty("viewers").GetInt32() == 3,
            "the viewer reported for 5 s to drop out (3 left: 2 remote, 1 local)");
    }

    [Fact]
    public async Task Our_viewers_of_a_remote_live_are_reported_to_its_origin_which_alone_tells_its_whole_count()
    {
        await _server.FollowedAsync(_peertube.Channel("alice"));
        var remote = Guid.NewGuid();
        var video = _peertube.Video(remote, "Their live", _peertube.Channel("alice"), 0, _peertube.Account("alice"));
        Assert.Null(await _peertube.SendAsync("Create", _peertube.Account("alice"), video));
        // A remote live (what the federation of lives sets from isLiveBroadcast).
        await _peertube.QueryAsync(db => db.Videos.Where(v => v.Uuid == remote).ExecuteUpdateAsync(s => s.SetProperty(v => v.IsLive, true), Ct));

        using var viewer = ClientFrom("198.51.100.30");
        await HeartbeatAsync(viewer, remote.ToString(), "far-tab");
        var report = await FederationTestKit.EventuallyAsync(() => Task.FromResult<JsonElement?>(_peertube.Remote.Received
            .Select(r => (JsonElement?)r.Body)
            .FirstOrDefault(b => b!.Value.GetProperty("type").GetString() == "View" && b.Value.TryGetProperty("expires", out _))), "a viewer View at the origin");
        Assert.Equal(video["id"]!.GetValue<string>(), report!.Value.GetProperty("object").GetString());
        Assert.StartsWith("http://localhost/", report.Value.GetProperty("actor").GetString());
        Assert.Equal(1, report.Value.GetProperty("result").GetProperty("userInteractionCount").GetInt32());
        Assert.True(report.Value.GetProperty("expires").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        // The origin's whole count (ours included) is the count; another instance has no say in it.
        var theirs = JsonValue.Create(video["id"]!.GetValue<string>())!;
        Assert.Null(await _peertube.SendAsync("View", _peertube.InstanceActor, theirs, Viewer(TimeSpan.FromMinutes(1), count: 7)));
        Assert.Contains("origin", await _other.SendAsync("View", _other.InstanceActor, theirs, Viewer(TimeSpan.FromMinutes(1), count: 1000)));
        Assert.Equal(7, (await _stranger.GetVideoAsync(remote)).GetProperty("viewers").GetInt32());
    }

    /// <summary>The parts of PeerTube's viewer View (send-view.ts) over SendAsync's activity.</summary>
    private static JsonObject Viewer(TimeSpan expiresIn, int count = 1) => new()
    {
        ["expires"] = DateTimeOffset.UtcNow.Add(expiresIn).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        ["result"] = new JsonObject { ["interactionType"] = "WatchAction", ["type"] = "InteractionCounter", ["userInteractionCount"] = count },
    };

    private static async Task HeartbeatAsync(HttpClient client, string video, string? session) =>
        await (await client.PostAsJsonAsync($"/api/v1/videos/{video}/views", new { currentTime = 3, sessionId = session }, Ct))
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);

    private HttpClient ClientFrom(string ip) =>
        new(_server.Server.CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(ip))) { BaseAddress = _server.Server.BaseAddress };

    private async Task<HubConnection> ConnectAsync(string? token = null)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(_server.Server.BaseAddress, LiveViewersHub.Path), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => _server.Server.CreateHandler();
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();
        _hubs.Add(hub);
        await hub.StartAsync(Ct);
        return hub;
    }

    private static ChannelReader<ViewersUpdate> Collect(HubConnection hub)
    {
        var channel = Channel.CreateUnbounded<ViewersUpdate>();
        hub.On<ViewersUpdate>(ViewersUpdate.ClientMethod, u => channel.Writer.TryWrite(u));
        return channel.Reader;
    }

    private static async Task<int> NextCountAsync(ChannelReader<ViewersUpdate> pushed)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        return (await pushed.ReadAsync(timeout.Token)).Viewers;
    }

    private static async Task RefusedAsync(HubConnection hub, string id, string reason)
    {
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<ViewersUpdate>("Subscribe", id, Ct));
        Assert.Contains(reason, error.Message);
    }

    private static string Token(PeerTubeClient client) => client.Http.DefaultRequestHeaders.Authorization!.Parameter!;
}
