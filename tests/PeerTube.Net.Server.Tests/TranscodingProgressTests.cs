using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

/// <summary>
/// The upload page's view of transcoding: /hubs/videos with the real .NET SignalR client. ffmpeg here reads its input
/// at native speed (-readrate 1), so a 4-second clip takes about 4 seconds and progress has time to show.
/// </summary>
public sealed class TranscodingProgressTests : IAsyncLifetime
{
    private ServerApplication _server = null!;
    private PeerTubeClient _root = null!;
    private PeerTubeClient _owner = null!;
    private PeerTubeClient _stranger = null!;
    private string _slowFfmpeg = null!;

    public async ValueTask InitializeAsync()
    {
        _slowFfmpeg = await FfmpegWrapperAsync("slow",
            "#!/bin/sh\ncase \"$*\" in *\" -i \"*) exec ffmpeg -readrate 1 \"$@\" ;; esac\nexec ffmpeg \"$@\"\n");
        _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Transcoding:FfmpegPath"] = _slowFfmpeg });
        _root = await PeerTubeClient.LoginAsRootAsync(_server);
        _owner = await _root.CreateUserAndLoginAsync(_server, "uploader");
        _stranger = await _root.CreateUserAndLoginAsync(_server, "stranger");
    }

    public async ValueTask DisposeAsync()
    {
        _root.Dispose();
        _owner.Dispose();
        _stranger.Dispose();
        await _server.DisposeAsync();
        File.Delete(_slowFfmpeg);
    }

    [Fact]
    public async Task The_owner_sees_the_state_at_once_then_progress_then_published()
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 4), "Watched while it transcodes");
        var uuid = created.GetProperty("uuid").GetString()!;
        await using var hub = Connect(_server, Token(_owner));
        var updates = Collect(hub);
        await hub.StartAsync(TestContext.Current.CancellationToken);

        await hub.InvokeAsync("Subscribe", created.GetProperty("shortUUID").GetString(), TestContext.Current.CancellationToken);

        var seen = await UntilTranscodedAsync(updates);
        var update = seen[^1];
        Assert.All(seen, u => Assert.Equal(uuid, u.GetProperty("uuid").GetString()));

        // The first answer is the current state, sent at once: the job has barely started, if at all.
        Assert.Equal(2, seen[0].GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal("To transcode", seen[0].GetProperty("state").GetProperty("label").GetString());
        var progress = seen.SkipLast(1).Select(u => u.GetProperty("progress")).Where(p => p.ValueKind == JsonValueKind.Number)
            .Select(p => p.GetInt32()).ToList();
        Assert.Contains(progress, p => p is > 0 and < 100);
        Assert.All(progress, p => Assert.InRange(p, 0, 99));

        Assert.Equal(1, update.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal("Published", update.GetProperty("state").GetProperty("label").GetString());
        Assert.Equal(100, update.GetProperty("progress").GetInt32());
        Assert.Equal(JsonValueKind.Null, update.GetProperty("error").ValueKind);
        Assert.Equal(1, (await _owner.GetVideoAsync(uuid)).GetProperty("state").GetProperty("id").GetInt32());

        // Subscribing to a video already published answers with its final state, by numeric id too.
        await using var late = Connect(_server, Token(_owner));
        var lateUpdates = Collect(late);
        await late.StartAsync(TestContext.Current.CancellationToken);
        await late.InvokeAsync("Subscribe", created.GetProperty("id").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            TestContext.Current.CancellationToken);
        var final = Assert.Single(await UntilTranscodedAsync(lateUpdates));
        Assert.Equal(1, final.GetProperty("state").GetProperty("id").GetInt32());
        Assert.Equal(100, final.GetProperty("progress").GetInt32());
    }

    [Fact]
    public async Task Only_the_owner_or_a_moderator_may_subscribe()
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Not yours to watch");
        var uuid = created.GetProperty("uuid").GetString()!;

        await using var stranger = Connect(_server, Token(_stranger));
        var strangerUpdates = Collect(stranger);
        await stranger.StartAsync(TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync("Subscribe", uuid, TestContext.Current.CancellationToken));
        Assert.Contains("not allowed", refused.Message);

        await using var anonymous = Connect(_server, token: null);
        var anonymousUpdates = Collect(anonymous);
        await anonymous.StartAsync(TestContext.Current.CancellationToken);
        var refusedAnonymous = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync("Subscribe", uuid, TestContext.Current.CancellationToken));
        Assert.Contains("not allowed", refusedAnonymous.Message);

        var unknown = await Assert.ThrowsAsync<HubException>(() =>
            stranger.InvokeAsync("Subscribe", Guid.NewGuid().ToString(), TestContext.Current.CancellationToken));
        Assert.Contains("not found", unknown.Message);

        // An administrator may, here with the token in the query string, as browsers send it over WebSockets.
        await using var admin = Connect(_server, token: null, query: "?access_token=" + Uri.EscapeDataString(Token(_root)));
        var adminUpdates = Collect(admin);
        await admin.StartAsync(TestContext.Current.CancellationToken);
        await admin.InvokeAsync("Subscribe", uuid, TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        Assert.Equal(uuid, (await adminUpdates.ReadAsync(timeout.Token)).GetProperty("uuid").GetString());
        await _owner.WaitForTranscodingAsync(uuid);

        // Nothing of this video ever reached the refused connections.
        Assert.False(strangerUpdates.TryRead(out _));
        Assert.False(anonymousUpdates.TryRead(out _));
    }

    [Fact]
    public async Task The_hub_also_works_over_WebSockets()
    {
        var created = await _owner.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Over a socket");
        await using var hub = Connect(_server, Token(_owner), transport: HttpTransportType.WebSockets);
        var updates = Collect(hub);
        await hub.StartAsync(TestContext.Current.CancellationToken);
        await hub.InvokeAsync("Subscribe", created.GetProperty("uuid").GetString(), TestContext.Current.CancellationToken);

        var final = (await UntilTranscodedAsync(updates))[^1];
        Assert.Equal(1, final.GetProperty("state").GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task A_failed_transcode_is_pushed_with_its_reason()
    {
        var brokenFfmpeg = await FfmpegWrapperAsync("broken",
            "#!/bin/sh\ncase \"$*\" in *-version*|*-encoders*) exec ffmpeg \"$@\" ;; esac\nsleep 1\necho 'Conversion failed!' >&2\nexit 1\n");
        try
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
                new Dictionary<string, string?> { ["Transcoding:FfmpegPath"] = brokenFfmpeg });
            using var root = await PeerTubeClient.LoginAsRootAsync(server);
            var created = await root.UploadVideoAsync(await TestMedia.VideoAsync(160, 90, seconds: 2), "Doomed but watched");
            await using var hub = Connect(server, Token(root));
            var updates = Collect(hub);
            await hub.StartAsync(TestContext.Current.CancellationToken);
            await hub.InvokeAsync("Subscribe", created.GetProperty("uuid").GetString(), TestContext.Current.CancellationToken);

            var update = (await UntilTranscodedAsync(updates))[^1];

            Assert.Equal(7, update.GetProperty("state").GetProperty("id").GetInt32());
            Assert.Contains("Conversion failed!", update.GetProperty("error").GetString());
            Assert.Equal(JsonValueKind.Null, update.GetProperty("progress").ValueKind);
        }
        finally
        {
            File.Delete(brokenFfmpeg);
        }
    }

    private static HubConnection Connect(ServerApplication server, string? token, string query = "",
        HttpTransportType transport = HttpTransportType.LongPolling) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(server.Server.BaseAddress, "/hubs/videos" + query), o =>
            {
                o.Transports = transport;
                o.SkipNegotiation = false;
                o.HttpMessageHandlerFactory = _ => server.Server.CreateHandler();
                o.WebSocketFactory = async (context, ct) =>
                {
                    var client = server.Server.CreateWebSocketClient();
                    // What browsers do: the token rides in the query string, as there are no headers on a WebSocket.
                    var uri = token is null ? context.Uri : new Uri(context.Uri + (context.Uri.Query.Length > 0 ? "&" : "?")
                                                                    + "access_token=" + Uri.EscapeDataString(token));
                    return await client.ConnectAsync(uri, ct);
                };
                if (token is not null)
                {
                    o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                }
            })
            .Build();

    /// <summary>The updates received until the video leaves "to transcode" (that last one included).</summary>
    private static async Task<List<JsonElement>> UntilTranscodedAsync(ChannelReader<JsonElement> updates)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var seen = new List<JsonElement>();
        do
        {
            seen.Add(await updates.ReadAsync(timeout.Token));
        }
        while (seen[^1].GetProperty("state").GetProperty("id").GetInt32() == 2);
        return seen;
    }

    private static ChannelReader<JsonElement> Collect(HubConnection hub)
    {
        var channel = Channel.CreateUnbounded<JsonElement>();
        hub.On<JsonElement>("transcoding", update => channel.Writer.TryWrite(update));
        return channel.Reader;
    }

    private static string Token(PeerTubeClient client) => client.Http.DefaultRequestHeaders.Authorization!.Parameter!;

    private static async Task<string> FfmpegWrapperAsync(string name, string script)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{name}-ffmpeg-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }
}
