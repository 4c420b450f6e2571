using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Streaming;
using PeerTube.Net.Server.Features.Tracker;

namespace PeerTube.Net.Server.Features.Peers;

/// <summary>What <c>Join</c> answers: the caller's peer id in that swarm, and some of the others to make offers to.</summary>
public sealed record SwarmJoinResult(string PeerId, IReadOnlyList<string> Peers);

/// <summary>
/// The hub at /hubs/swarm (docs/p2p-contract.md): viewers of one rendition find each other and exchange WebRTC offers,
/// answers and ICE candidates; the media never passes here. Anonymous viewers are welcome; a private or internal
/// video's swarms take a viewer who may watch it (signed in, or holding a videoFileToken given as
/// <c>/hubs/swarm?videoFileToken=…</c>). Every call is counted against the connection's budget by <see cref="SwarmRateLimit"/>.
/// </summary>
public sealed class SwarmHub(
    ISwarmRegistry registry,
    SwarmDirectory directory,
    PeerStats stats,
    VideoFileTokens tokens,
    IOptions<P2POptions> options) : Hub
{
    public const string ClientSignal = "signal";
    /// <summary>"full": the answer of a peer with no free slot to an offer, so that the joiner tries another at once.</summary>
    private static readonly string[] Kinds = ["offer", "answer", "candidate", "full"];

    public override Task OnConnectedAsync()
    {
        var limits = options.Value;
        Context.Items[typeof(SwarmConnection)] = new SwarmConnection(limits.MessageBurst);
        return Task.CompletedTask;
    }

    public async Task<SwarmJoinResult> Join(string swarmId)
    {
        var limits = options.Value;
        var state = SwarmConnection.Of(Context);
        var id = SwarmIds.Normalize(swarmId) ?? throw new HubException("unknown swarm");
        var video = await directory.FindSwarmAsync(id, Context.ConnectionAborted) ?? throw new HubException("unknown swarm");
        if (!MayWatch(video))
        {
            throw new HubException("not allowed");
        }

        string peerId;
        var isNew = false;
        lock (state)
        {
            if (!state.Swarms.TryGetValue(id, out peerId!))
            {
                isNew = true;
                if (state.Swarms.Count >= limits.MaxSwarmsPerConnection)
                {
                    throw new HubException("too many swarms");
                }

                peerId = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(SwarmConnection.PeerIdBytes));
                state.Swarms[id] = peerId;
            }
        }

        var joined = await registry.Join(id, peerId, Context.ConnectionId, limits.MaxPeersPerJoin);
        if (joined.Failure is not null)
        {
            if (isNew)
            {
                lock (state)
                {
                    state.Swarms.Remove(id);
                }
            }

            throw new HubException(joined.Failure == SwarmJoin.Unavailable ? "swarm unavailable" : "swarm full");
        }

        return new SwarmJoinResult(peerId, joined.Peers);
    }

    public async Task Leave(string swarmId)
    {
        var state = SwarmConnection.Of(Context);
        if (SwarmIds.Normalize(swarmId) is { } id)
        {
            string? peerId;
            lock (state)
            {
                state.Swarms.Remove(id, out peerId);
            }

            if (peerId is not null)
            {
                await registry.Leave(id, peerId, Context.ConnectionId);
            }
        }
    }

    /// <param name="payload">An SDP or an ICE candidate, as a JSON string or object; passed on untouched.</param>
    public async Task Signal(string swarmId, string toPeerId, string kind, JsonElement payload)
    {
        if (!Kinds.Contains(kind))
        {
            throw new HubException("invalid kind");
        }

        // A string (an SDP as the player sends it) counts by its text, not its escaped JSON form.
        var size = Encoding.UTF8.GetByteCount(payload.ValueKind == JsonValueKind.String ? payload.GetString()! : payload.GetRawText());
        if (size > options.Value.MaxPayloadBytes)
        {
            throw new HubException("payload too large");
        }

        var state = SwarmConnection.Of(Context);
        var id = SwarmIds.Normalize(swarmId);
        string? fromPeerId = null;
        lock (state)
        {
            if (id is not null)
            {
                state.Swarms.TryGetValue(id, out fromPeerId);
            }
        }

        var target = toPeerId?.ToLowerInvariant();
        var connection = fromPeerId is null || target is not { Length: SwarmConnection.PeerIdBytes * 2 } || !target.All(char.IsAsciiHexDigit)
                         || target == fromPeerId
            ? null
            : await registry.FindConnection(id!, target);
        if (connection is null)
        {
            throw new HubException("peer not in swarm");
        }

        await Clients.Client(connection).SendAsync(ClientSignal, id, fromPeerId, kind, payload, Context.ConnectionAborted);
    }

    /// <summary>
    /// How many more connections the caller's peer in that swarm takes (0 = full), so that <see cref="Join"/> hands out
    /// peers with room first. Only for a swarm this connection joined; at most <see cref="P2POptions.MaxPeers"/>.
    /// </summary>
    public async Task ReportSlots(string swarmId, int free)
    {
        if (free < 0 || free > options.Value.MaxPeers)
        {
            throw new HubException("invalid slots");
        }

        var state = SwarmConnection.Of(Context);
        var id = SwarmIds.Normalize(swarmId);
        string? peerId = null;
        lock (state)
        {
            if (id is not null)
            {
                state.Swarms.TryGetValue(id, out peerId);
            }
        }

        if (peerId is null)
        {
            throw new HubException("not in swarm");
        }

        await registry.ReportSlots(id!, peerId, Context.ConnectionId, free);
    }

    /// <summary>The player's running totals for a video; see <see cref="PeerStats"/>.</summary>
    public async Task ReportStats(string videoUuid, PeerStatsReport report)
    {
        if (!Guid.TryParse(videoUuid, out var uuid) || report is null || report.HttpBytes < 0 || report.P2pBytes < 0 || report.UploadedBytes < 0)
        {
            throw new HubException("invalid stats");
        }

        if (await directory.FindVideoAsync(uuid, Context.ConnectionAborted) is null)
        {
            throw new HubException("unknown video");
        }

        var state = SwarmConnection.Of(Context);
        PeerStatsReport? previous;
        lock (state)
        {
            if (!state.Reports.TryGetValue(uuid, out previous) && state.Reports.Count >= SwarmConnection.MaxReportedVideos)
            {
                throw new HubException("too many videos");
            }

            state.Reports[uuid] = report;
        }

        stats.Add(uuid, previous, report);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(typeof(SwarmConnection), out var item) && item is SwarmConnection state)
        {
            KeyValuePair<string, string>[] swarms;
            lock (state)
            {
                swarms = state.Swarms.ToArray();
                state.Swarms.Clear();
            }

            foreach (var (swarmId, peerId) in swarms)
            {
                await registry.Leave(swarmId, peerId, Context.ConnectionId);
            }
        }
    }

    private bool MayWatch(SwarmVideo video)
    {
        if (Context.User is { } user && VideoAccess.CanView(video.Privacy, video.OwnerUserId, user))
        {
            return true;
        }

        var token = Context.GetHttpContext()?.Request.Query["videoFileToken"].ToString();
        return !string.IsNullOrEmpty(token) && tokens.IsValid(token, video.Uuid);
    }
}

/// <summary>One hub connection's state: its swarms, its last stats reports and its call budget. Guarded by its own lock.</summary>
internal sealed class SwarmConnection(int burst)
{
    public const int PeerIdBytes = 10;

    /// <summary>Videos one connection may report stats for (a tab plays one video; an embed page may hold a few).</summary>
    public const int MaxReportedVideos = 16;

    public Dictionary<string, string> Swarms { get; } = new(StringComparer.Ordinal);
    public Dictionary<Guid, PeerStatsReport> Reports { get; } = [];
    public double Tokens { get; set; } = burst;
    public long LastRefill { get; set; }
    public int Refusals { get; set; }

    public static SwarmConnection Of(HubCallerContext context) =>
        context.Items.TryGetValue(typeof(SwarmConnection), out var item) && item is SwarmConnection state
            ? state
            : throw new HubException("not connected");
}

/// <summary>
/// A token bucket per connection over every hub call: <see cref="P2POptions.MessagesPerSecond"/> on average,
/// <see cref="P2POptions.MessageBurst"/> at once. A refused call gets "rate limited"; a connection that keeps going
/// after <see cref="P2POptions.AbortAfterRefusals"/> refusals in a row is closed.
/// </summary>
internal sealed class SwarmRateLimit(IOptions<P2POptions> options, TimeProvider clock) : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var limits = options.Value;
        var state = SwarmConnection.Of(invocationContext.Context);
        var now = clock.GetTimestamp();
        bool allowed;
        lock (state)
        {
            if (state.LastRefill != 0)
            {
                var elapsed = clock.GetElapsedTime(state.LastRefill, now).TotalSeconds;
                state.Tokens = Math.Min(limits.MessageBurst, state.Tokens + elapsed * limits.MessagesPerSecond);
            }

            state.LastRefill = now;
            allowed = state.Tokens >= 1;
            if (allowed)
            {
                state.Tokens -= 1;
                state.Refusals = 0;
            }
            else
            {
                state.Refusals++;
            }
        }

        if (!allowed)
        {
            if (state.Refusals >= limits.AbortAfterRefusals)
            {
                invocationContext.Context.Abort();
            }

            throw new HubException("rate limited");
        }

        return next(invocationContext);
    }
}
