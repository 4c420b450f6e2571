using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerTube.Net.Media;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Bench;

/// <summary>
/// Remote followers of one server. Their actor documents either advertise their host's shared inbox (so one POST per
/// host serves all its followers) or do not (one POST per follower: the baseline).
/// </summary>
internal sealed record FollowerGroup(string Prefix, bool SharedInbox)
{
    public string Label => SharedInbox ? "shared inbox" : "no shared inbox (baseline)";
}

/// <param name="Host">Index of the loopback instance the actor lives on.</param>
internal sealed record SinkActor(int Host, string Name, string Url, FollowerGroup Group)
{
    public string KeyId => Url + "#main-key";
}

/// <summary>One POST received by a follower instance.</summary>
/// <param name="Actor">The actor whose own inbox was posted to; null for the host's shared inbox.</param>
/// <param name="ActivityActor">The activity's actor (who sent it).</param>
/// <param name="ObjectId">The object's id (the object itself or its "id").</param>
/// <param name="FollowActor">For an Accept: the actor of the Follow it accepts.</param>
/// <param name="SignatureError">Null when the Digest and the HTTP signature checked out against the sender's published key.</param>
internal sealed record InboxPost(int Host, string? Actor, string? Type, string? ActivityActor, string? ObjectId, string? FollowActor,
    string? SignatureError, DateTimeOffset At)
{
    public (int Host, string? Actor) Inbox => (Host, Actor);
}

/// <summary>How one server's followers came to follow it.</summary>
/// <param name="Sent">From the first Follow POST until every one had been answered by the server's inbox.</param>
/// <param name="Accepted">From the first Follow POST until the sink had an Accept for every follower.</param>
/// <param name="ActorFetches">GETs of the followers' actor documents the sink served meanwhile (the server fetching signers' keys).</param>
/// <param name="AcceptPosts">Accept POSTs received (one per follower expected).</param>
/// <param name="ServerAccepted">What the server's own follower list says: total of <c>state=accepted</c>.</param>
internal sealed record FollowPhase(FollowerGroup Group, int Followers, int Retries, TimeSpan Sent, TimeSpan Accepted, long ActorFetches, int AcceptPosts,
    int ServerAccepted);

/// <summary>One video's fan-out. Times are from the video's <c>publishedAt</c> (set by the server in the commit that publishes it).</summary>
/// <param name="Run">0 for the warm-up.</param>
/// <param name="Requests">POSTs of this video's Create received by the sink, all inboxes.</param>
/// <param name="OtherPosts">Any other POST the sink received from upload to the end of the run (expected: none).</param>
/// <param name="PublishedLag">publishedAt → the status poll that saw "published" (how late a poll-based clock would start).</param>
/// <param name="HostP50">Median over hosts of the time a host had the Create for every follower it has.</param>
/// <param name="Full">The last host's time: full delivery.</param>
/// <param name="ServerCpu">The server process's own CPU (not ffmpeg's) from upload to the end of the run, idle included.</param>
internal sealed record FanoutRun(
    FollowerGroup Group, int Run, int ExpectedInboxes, int Requests, int SharedInboxRequests, int ActorInboxRequests, int DistinctInboxes, int Hosts,
    int ValidSignatures, int OtherPosts, TimeSpan UploadToPublished, TimeSpan PublishedLag, TimeSpan First, TimeSpan HostP50, TimeSpan Full,
    TimeSpan UploadToFull, TimeSpan ServerCpu, double LoadAverage)
{
    public TimeSpan Spread => Full - First;
}

/// <summary>
/// The fan-out benchmark. A sink in this process plays <c>--hosts</c> remote instances (one Kestrel listener each,
/// 127.0.0.1 on its own port, so each is its own ActivityPub host) with <c>--followers</c> Person actors spread over
/// them. Each actor follows root's default channel on a real server process with a signed Follow and waits for the
/// Accept. Then root publishes small videos, and the sink counts and times the Create(Video) deliveries. With the
/// baseline on, a second server, whose followers (on the same hosts) have no shared inbox, gets the same treatment,
/// interleaved, so that the two are measured in the same session under the same load.
/// </summary>
internal static class FanoutBench
{
    private const string Channel = "root_channel";
    private const int FollowConcurrency = 16;
    private const int FollowAttempts = 3;
    private static readonly TimeSpan AcceptBound = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan DeliveryBound = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>What the servers run with, besides ServerUnderTest's own settings; the report lists it.</summary>
    private static readonly Dictionary<string, string> ServerSettings = new()
    {
        ["Federation__AllowPrivateAddresses"] = "true",
        ["Seeding__Enabled"] = "false",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var repo = Bench.FindRepoRoot();
        var tools = new FfmpegTools();
        await FfmpegTools.DetectAsync(tools, ct);
        var runner = new FfmpegRunner(tools);
        var temp = Directory.CreateTempSubdirectory("ptnet-bench-fanout-");
        Bench.Progress($"work directory {temp.FullName}");
        var servers = new Dictionary<FollowerGroup, ServerUnderTest>();
        FanoutSink? sink = null;
        try
        {
            var started = DateTime.UtcNow;
            var loadAtStart = CpuClock.LoadAverage();
            var codeState = await Bench.CodeStateAsync(repo, ct);
            var serverDll = Path.Combine(repo, "src", "PeerTube.Net.Server", "bin", "Release", "net10.0", "PeerTube.Net.Server.dll");
            if (options.Build)
            {
                await Bench.BuildServerAsync(repo, ct);
            }
            else if (!File.Exists(serverDll))
            {
                throw new BenchmarkFailedException($"--no-build, but {serverDll} does not exist.");
            }

            var source = Path.Combine(temp.FullName, "source.mp4");
            await runner.RunAsync(Bench.SourceCommand(source, 320, 180, 2), TimeSpan.Zero, null, null, ct);

            List<FollowerGroup> groups = [new("s", SharedInbox: true)];
            if (options.FanoutBaseline)
            {
                groups.Add(new FollowerGroup("d", SharedInbox: false));
            }

            Bench.Progress($"sink: {options.Hosts} loopback hosts, {options.Followers} followers per server ({string.Join(", ", groups.Select(g => g.Label))})");
            sink = await FanoutSink.StartAsync(options.Hosts, options.Followers, groups, ct);

            Bench.Progress($"starting {groups.Count} server(s)");
            var starts = groups.Select((g, i) => (Group: g, Task: ServerUnderTest.StartAsync(serverDll,
                Directory.CreateDirectory(Path.Combine(temp.FullName, $"server-{g.Prefix}")).FullName,
                Path.Combine(temp.FullName, $"server-{g.Prefix}.log"), ct, ServerSettings))).ToList();
            foreach (var (group, task) in starts)
            {
                try
                {
                    servers[group] = await task;
                }
                catch (BenchmarkFailedException) when (starts.Any(s => s.Task != task))
                {
                    // Let the others start, so that they are disposed too, then fail.
                    await Task.WhenAll(starts.Where(s => s.Task != task).Select(s => s.Task.ContinueWith(_ => { }, CancellationToken.None)));
                    foreach (var other in starts.Where(s => s.Task != task && s.Task.IsCompletedSuccessfully))
                    {
                        servers[other.Group] = other.Task.Result;
                    }

                    throw;
                }
            }

            var follows = new List<FollowPhase>();
            foreach (var group in groups)
            {
                follows.Add(await FollowAsync(servers[group], sink, group, ct));
            }

            var expected = groups.ToDictionary(g => g, g => g.SharedInbox ? sink.HostsOf(g) : sink.ActorsOf(g).Count);
            var warmUps = new List<FanoutRun>();
            foreach (var group in groups)
            {
                Bench.Progress($"warm-up video, {group.Label} (reported, not counted)");
                warmUps.Add(Log(await MeasureAsync(servers[group], sink, group, expected[group], source, 0, ct), options.Runs));
            }

            var runs = new List<FanoutRun>();
            for (var run = 1; run <= options.Runs; run++)
            {
                // Alternate which goes first, so that neither always runs right after the other's transcoding.
                var order = run % 2 == 1 ? groups : Enumerable.Reverse(groups).ToList();
                foreach (var group in order)
                {
                    runs.Add(Log(await MeasureAsync(servers[group], sink, group, expected[group], source, run, ct), options.Runs));
                }
            }

            Console.WriteLine(Markdown(options, started, loadAtStart, CpuClock.LoadAverage(), codeState, sink, follows, warmUps, runs));
            return 0;
        }
        finally
        {
            foreach (var server in servers.Values)
            {
                await server.DisposeAsync();
            }

            if (sink is not null)
            {
                await sink.DisposeAsync();
            }

            temp.Delete(recursive: true);
            Bench.Progress("temporary files deleted");
        }
    }

    /// <summary>Every actor of the group sends a signed Follow of root's channel to the channel's inbox; then waits for all the Accepts.</summary>
    private static async Task<FollowPhase> FollowAsync(ServerUnderTest server, FanoutSink sink, FollowerGroup group, CancellationToken ct)
    {
        var target = $"{server.BaseUrl}/video-channels/{Channel}";
        var inbox = new Uri(target + "/inbox");
        var actors = sink.ActorsOf(group);
        var fetchesBefore = sink.ActorFetches(group);
        var retries = 0;
        var failures = new ConcurrentQueue<string>();
        Bench.Progress($"{group.Label}: {actors.Count} follows of {target}, {FollowConcurrency} at a time");
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(actors, new ParallelOptions { MaxDegreeOfParallelism = FollowConcurrency, CancellationToken = ct }, async (actor, token) =>
        {
            var follow = new JsonObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams",
                ["id"] = $"{actor.Url}/follows/{Guid.NewGuid():N}",
                ["type"] = "Follow",
                ["actor"] = actor.Url,
                ["object"] = target,
            };
            var body = Encoding.UTF8.GetBytes(follow.ToJsonString());
            for (var attempt = 1; ; attempt++)
            {
                var (status, error) = await sink.PostSignedAsync(actor, inbox, body, token);
                if (status is >= 200 and < 300)
                {
                    return;
                }

                // As a remote server would: retry what may be transient, give up on a refusal.
                if (attempt == FollowAttempts || status is not (0 or 408 or 429 or >= 500))
                {
                    failures.Enqueue($"{actor.Url}: {error}");
                    return;
                }

                Interlocked.Increment(ref retries);
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt), token);
            }
        });
        var sent = clock.Elapsed;
        if (!failures.IsEmpty)
        {
            throw new BenchmarkFailedException($"{failures.Count} of {actors.Count} follows were refused by {inbox}; first: {failures.First()}");
        }

        Bench.Progress($"{group.Label}: all follows answered in {sent.TotalSeconds:0.0} s ({retries} retried); waiting for the Accepts");
        var lastProgress = clock.Elapsed;
        int accepted;
        while ((accepted = sink.AcceptedFollowers(target)) < actors.Count)
        {
            if (server.HasExited)
            {
                throw new BenchmarkFailedException("The server exited while accepting follows.");
            }

            if (clock.Elapsed > AcceptBound)
            {
                throw new BenchmarkFailedException($"Only {accepted} of {actors.Count} follows were accepted within {AcceptBound.TotalMinutes:0} minutes.");
            }

            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
            {
                lastProgress = clock.Elapsed;
                Bench.Progress($"{group.Label}: {accepted}/{actors.Count} accepted after {clock.Elapsed.TotalSeconds:0} s");
            }

            await Task.Delay(100, ct);
        }

        var acceptedAt = clock.Elapsed;
        using var list = await server.GetJsonAsync("/api/v1/server/followers?state=accepted&count=1", ct);
        var serverAccepted = list.RootElement.GetProperty("total").GetInt32();
        var phase = new FollowPhase(group, actors.Count, retries, sent, acceptedAt, sink.ActorFetches(group) - fetchesBefore, sink.AcceptPosts(target),
            serverAccepted);
        Bench.Progress($"{group.Label}: {actors.Count} accepted in {acceptedAt.TotalSeconds:0.0} s; the server lists {serverAccepted} accepted followers; " +
                       $"{phase.ActorFetches} actor document GETs, {phase.AcceptPosts} Accept POSTs");
        if (serverAccepted != actors.Count)
        {
            throw new BenchmarkFailedException($"The server lists {serverAccepted} accepted followers, not {actors.Count}.");
        }

        return phase;
    }

    /// <summary>Uploads the video, and waits until every inbox of the group has its Create and nothing more has come for <see cref="Settle"/>.</summary>
    private static async Task<FanoutRun> MeasureAsync(ServerUnderTest server, FanoutSink sink, FollowerGroup group, int expectedInboxes, string source,
        int run, CancellationToken ct)
    {
        var load = CpuClock.LoadAverage();
        var cpuBefore = CpuClock.ProcessTreeCpu(server.Pid);
        var postsBefore = sink.PostCount;
        var videoId = await server.UploadAsync(source, run == 0 ? $"fanout warm-up ({group.Label})" : $"fanout run {run} ({group.Label})", ct);
        var uploaded = DateTimeOffset.UtcNow;
        await server.WaitUntilPublishedAsync(videoId, PollInterval, ct);
        var seenPublished = DateTimeOffset.UtcNow;
        string uuid;
        DateTimeOffset publishedAt;
        using (var video = await server.GetVideoAsync(videoId, ct))
        {
            uuid = video.RootElement.GetProperty("uuid").GetString()!;
            publishedAt = video.RootElement.GetProperty("publishedAt").GetDateTimeOffset();
        }

        var clock = Stopwatch.StartNew();
        List<InboxPost> creates;
        while ((creates = sink.CreatesOf(uuid)).Select(p => p.Inbox).Distinct().Count() < expectedInboxes)
        {
            if (server.HasExited)
            {
                throw new BenchmarkFailedException("The server exited while delivering.");
            }

            if (clock.Elapsed > DeliveryBound)
            {
                throw new BenchmarkFailedException(
                    $"{group.Label}, run {run}: only {creates.Select(p => p.Inbox).Distinct().Count()} of {expectedInboxes} inboxes had the Create " +
                    $"{DeliveryBound.TotalSeconds:0} s after the video was seen published.");
            }

            await Task.Delay(10, ct);
        }

        // A duplicate or a late retry must be in the count too.
        var quiet = Stopwatch.StartNew();
        var count = creates.Count;
        while (quiet.Elapsed < Settle && clock.Elapsed < DeliveryBound + Settle)
        {
            await Task.Delay(100, ct);
            if (sink.CreatesOf(uuid).Count is var now && now != count)
            {
                count = now;
                quiet.Restart();
            }
        }

        var cpu = CpuClock.ProcessTreeCpu(server.Pid) - cpuBefore;
        creates = sink.CreatesOf(uuid);
        var other = sink.PostCount - postsBefore - creates.Count;
        var hostDone = creates.GroupBy(p => p.Host).Select(g => (g.Max(p => p.At) - publishedAt).TotalSeconds).ToList();
        return new FanoutRun(
            group, run, expectedInboxes,
            Requests: creates.Count,
            SharedInboxRequests: creates.Count(p => p.Actor is null),
            ActorInboxRequests: creates.Count(p => p.Actor is not null),
            DistinctInboxes: creates.Select(p => p.Inbox).Distinct().Count(),
            Hosts: hostDone.Count,
            ValidSignatures: creates.Count(p => p.SignatureError is null),
            OtherPosts: (int)other,
            UploadToPublished: publishedAt - uploaded,
            PublishedLag: seenPublished - publishedAt,
            First: creates.Min(p => p.At) - publishedAt,
            HostP50: TimeSpan.FromSeconds(Median(hostDone)),
            Full: TimeSpan.FromSeconds(hostDone.Max()),
            UploadToFull: creates.Max(p => p.At) - uploaded,
            ServerCpu: cpu.Self,
            LoadAverage: load);
    }

    private static FanoutRun Log(FanoutRun r, int runs)
    {
        var which = r.Run == 0 ? "warm-up" : $"run {r.Run}/{runs}";
        Bench.Progress($"{which} {r.Group.Label}: {r.Requests} requests ({r.SharedInboxRequests} shared, {r.ActorInboxRequests} actor inboxes) " +
                       $"for {r.ExpectedInboxes} inboxes on {r.Hosts} hosts, {r.ValidSignatures} valid signatures; published → full delivery " +
                       $"{r.Full.TotalSeconds:0.000} s (first {r.First.TotalSeconds:0.000} s, host p50 {r.HostP50.TotalSeconds:0.000} s); " +
                       $"server CPU {r.ServerCpu.TotalSeconds:0.00} s; load avg {r.LoadAverage:0.0}");
        return r;
    }

    private static string Markdown(BenchOptions options, DateTime started, double loadAtStart, double loadAtEnd, string codeState, FanoutSink sink,
        List<FollowPhase> follows, List<FanoutRun> warmUps, List<FanoutRun> runs)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        var shared = runs.Where(r => r.Group.SharedInbox).ToList();
        var baseline = runs.Where(r => !r.Group.SharedInbox).ToList();
        var perHost = sink.ActorsOf(follows[0].Group).GroupBy(a => a.Host).Select(g => g.Count()).ToList();

        w.WriteLine($"#### Report ({options.Followers} followers on {options.Hosts} hosts, {options.Runs} run(s) per variant, interleaved; medians)");
        w.WriteLine();
        w.WriteLine($"- Date: {started:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - started).TotalMinutes:0.0} min in all; load average {loadAtStart:0.0} at the start, {loadAtEnd:0.0} at the end");
        w.WriteLine($"- Machine: {Environment.ProcessorCount} CPUs ({CpuModel()}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        w.WriteLine($"- Server built from the working tree: {codeState}; one server process per variant (SQLite, Hangfire on SQLite), shipped " +
                    $"Federation defaults (DeliveryConcurrency 8) plus {string.Join(", ", ServerSettings.Select(kv => $"`{kv.Key}={kv.Value}`"))}");
        w.WriteLine($"- Followers: {options.Followers} Person actors per server, {perHost.Min()}–{perHost.Max()} per host, on {options.Hosts} Kestrel listeners " +
                    "in the benchmark process (127.0.0.1, one port each, so one ActivityPub host each), one RSA-2048 key per host. " +
                    "Shared-inbox variant: each actor document has `endpoints.sharedInbox` = its host's `/inbox`; baseline: no `endpoints`. " +
                    "In the baseline the same hosts serve a second set of actors, who follow the second server.");
        w.WriteLine($"- Follows: signed `Follow` of `{Channel}` POSTed to the channel's inbox, {FollowConcurrency} at a time; the server fetches each " +
                    "signer's actor document, accepts, and POSTs an `Accept` to the follower's own inbox.");
        w.WriteLine("- Each run: root uploads a 320x180 2 s H.264 clip (lavfi testsrc2) to the channel; the clock starts at the video's `publishedAt` " +
                    "(written by the server in the commit that publishes it; same machine clock as the sink's). The run ends when every expected inbox has " +
                    $"the `Create` and nothing more came for {Settle.TotalSeconds:0} s. The sink answers 202 and checks every Digest and HTTP signature " +
                    "against the key the server publishes.");
        w.WriteLine();

        w.WriteLine("| Following | Followers | Follow POSTs retried | All follows answered (s) | All Accepts received (s) | Actor document GETs | Accept POSTs | Server: accepted followers |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var f in follows)
        {
            w.WriteLine($"| {f.Group.Label} | {f.Followers} | {f.Retries} | {f.Sent.TotalSeconds:0.0} | {f.Accepted.TotalSeconds:0.0} | {f.ActorFetches} | {f.AcceptPosts} | {f.ServerAccepted} |");
        }

        w.WriteLine();
        w.WriteLine("| Create(Video) delivery (median of runs) | Requests received | To shared inboxes | To actor inboxes | Distinct inboxes | Valid signatures | " +
                    "Published → first (s) | → host p50 (s) | → **full delivery** = host p100 (s) | First → last (s) | Upload answered → full (s) | Server CPU, self (s) |");
        w.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var set in new[] { shared, baseline }.Where(s => s.Count > 0))
        {
            w.WriteLine($"| {set[0].Group.Label} | {MedianRange(set, r => r.Requests)} | {MedianRange(set, r => r.SharedInboxRequests)} | " +
                        $"{MedianRange(set, r => r.ActorInboxRequests)} | {MedianRange(set, r => r.DistinctInboxes)} | {MedianRange(set, r => r.ValidSignatures)} | " +
                        $"{Seconds(set, r => r.First)} | {Seconds(set, r => r.HostP50)} | **{Seconds(set, r => r.Full)}** | {Seconds(set, r => r.Spread)} | " +
                        $"{Seconds(set, r => r.UploadToFull)} | {Median(set.Select(r => r.ServerCpu.TotalSeconds)):0.00} |");
        }

        w.WriteLine();
        w.WriteLine("| Ratio | Value |");
        w.WriteLine("|---|---:|");
        var requests = Median(shared.Select(r => (double)r.Requests));
        w.WriteLine($"| requests, shared inboxes / one per follower ({options.Followers}, the naive count) | {requests:0} / {options.Followers} = {requests / options.Followers:0.000} |");
        if (baseline.Count > 0)
        {
            var baseRequests = Median(baseline.Select(r => (double)r.Requests));
            w.WriteLine($"| requests, shared inboxes / baseline, measured | {requests:0} / {baseRequests:0} = {requests / baseRequests:0.000} |");
            var full = Median(shared.Select(r => r.Full.TotalSeconds));
            var baseFull = Median(baseline.Select(r => r.Full.TotalSeconds));
            w.WriteLine($"| published → full delivery, shared inboxes / baseline (of medians) | {full:0.000} / {baseFull:0.000} = {full / baseFull:0.000} |");
            var paired = Median(shared.Join(baseline, a => a.Run, b => b.Run, (a, b) => a.Full.TotalSeconds / b.Full.TotalSeconds));
            w.WriteLine($"| same, paired by run (median of the per-run ratios) | {paired:0.000} |");
            var spread = Median(shared.Select(r => r.Spread.TotalSeconds)) / Median(baseline.Select(r => r.Spread.TotalSeconds));
            w.WriteLine($"| first → last arrival, shared inboxes / baseline (of medians) | {spread:0.000} |");
            var cpu = Median(shared.Select(r => r.ServerCpu.TotalSeconds)) / Median(baseline.Select(r => r.ServerCpu.TotalSeconds));
            w.WriteLine($"| server CPU (self, upload → end of run, transcoding job included), shared inboxes / baseline (of medians) | {cpu:0.000} |");
        }

        w.WriteLine();
        w.WriteLine("| Run | Variant | Requests | Inboxes | Hosts | Valid sig. | Other POSTs | Upload answered → published (s) | Published → seen by poll (s) | " +
                    "→ first (s) | → host p50 (s) | → full (s) | Server CPU (s) | Load avg |");
        w.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in warmUps.Concat(runs))
        {
            w.WriteLine($"| {(r.Run == 0 ? "warm-up" : r.Run.ToString(CultureInfo.InvariantCulture))} | {r.Group.Label} | {r.Requests} | {r.DistinctInboxes}/{r.ExpectedInboxes} | " +
                        $"{r.Hosts} | {r.ValidSignatures} | {r.OtherPosts} | {r.UploadToPublished.TotalSeconds:0.00} | {r.PublishedLag.TotalSeconds:0.000} | " +
                        $"{r.First.TotalSeconds:0.000} | {r.HostP50.TotalSeconds:0.000} | {r.Full.TotalSeconds:0.000} | {r.ServerCpu.TotalSeconds:0.00} | {r.LoadAverage:0.0} |");
        }

        if (sink.Unexpected.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"Unexpected requests to the sink: {sink.Unexpected.Count} (first: {string.Join("; ", sink.Unexpected.Take(5))}).");
        }

        return w.ToString();
    }

    private static string MedianRange(List<FanoutRun> set, Func<FanoutRun, int> value)
    {
        var values = set.Select(value).ToList();
        var median = Median(values.Select(v => (double)v));
        return values.Min() == values.Max() ? $"{median:0}" : $"{median:0} ({values.Min()}–{values.Max()})";
    }

    private static string Seconds(List<FanoutRun> set, Func<FanoutRun, TimeSpan> value)
    {
        var values = set.Select(r => value(r).TotalSeconds).ToList();
        return set.Count == 1 ? $"{values[0]:0.000}" : $"{Median(values):0.000} ({values.Min():0.000}–{values.Max():0.000})";
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}

/// <summary>
/// The follower instances: one Kestrel server in this process listening on one loopback port per host. Serves the actor
/// documents, and records every POST to a shared or an actor inbox after checking its Digest and signature.
/// </summary>
internal sealed class FanoutSink : IAsyncDisposable
{
    private const int MaxBody = 4 * 1024 * 1024;
    private const int MaxUnexpected = 100;

    private readonly WebApplication _app;
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<SinkHost> _hosts = [];
    private readonly Dictionary<int, int> _hostByPort = [];
    private readonly Dictionary<(int Host, string Name), (SinkActor Actor, string Document)> _actors = [];
    private readonly Dictionary<FollowerGroup, List<SinkActor>> _groups = [];
    private readonly ConcurrentDictionary<FollowerGroup, long> _fetches = new();
    private readonly ConcurrentQueue<InboxPost> _posts = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<SenderKey?>>> _senderKeys = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private long _postCount;

    private FanoutSink(WebApplication app) => _app = app;

    public long PostCount => Interlocked.Read(ref _postCount);

    public IReadOnlyCollection<string> Unexpected => _unexpected;

    public static async Task<FanoutSink> StartAsync(int hosts, int followersPerGroup, IReadOnlyList<FollowerGroup> groups, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            for (var i = 0; i < hosts; i++)
            {
                k.Listen(IPAddress.Loopback, 0);
            }
        });
        var app = builder.Build();
        var sink = new FanoutSink(app);
        app.MapGet("/users/{name}", (HttpContext http, string name) => sink.ActorDocument(http, name));
        app.MapPost("/users/{name}/inbox", (HttpContext http, string name) => sink.ReceiveAsync(http, name));
        app.MapPost("/inbox", (Delegate)((HttpContext http) => sink.ReceiveAsync(http, null)));
        app.MapFallback((HttpContext http) =>
        {
            if (sink._unexpected.Count < MaxUnexpected)
            {
                sink._unexpected.Enqueue($"{http.Request.Method} {http.Request.Host}{http.Request.Path}");
            }

            return Results.NotFound();
        });

        // Keys first (RSA-2048 generation takes a while): one per host, shared by its actors, each with its own key id.
        var keys = Enumerable.Range(0, hosts).AsParallel().Select(_ => RSA.Create(2048)).ToList();
        await app.StartAsync(ct);
        var ports = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a).Port).Order().ToList();
        if (ports.Count != hosts)
        {
            await app.DisposeAsync();
            throw new BenchmarkFailedException($"The sink listens on {ports.Count} ports, not {hosts}.");
        }

        for (var i = 0; i < hosts; i++)
        {
            sink._hosts.Add(new SinkHost(i, $"http://127.0.0.1:{ports[i].ToString(CultureInfo.InvariantCulture)}", keys[i], keys[i].ExportSubjectPublicKeyInfoPem()));
            sink._hostByPort[ports[i]] = i;
        }

        foreach (var group in groups)
        {
            var actors = new List<SinkActor>();
            for (var n = 0; n < followersPerGroup; n++)
            {
                var host = sink._hosts[n % hosts];
                var name = group.Prefix + (n / hosts).ToString(CultureInfo.InvariantCulture);
                var actor = new SinkActor(host.Index, name, $"{host.BaseUrl}/users/{name}", group);
                actors.Add(actor);
                sink._actors[(host.Index, name)] = (actor, Document(actor, host));
            }

            sink._groups[group] = actors;
            sink._fetches[group] = 0;
        }

        return sink;
    }

    public IReadOnlyList<SinkActor> ActorsOf(FollowerGroup group) => _groups[group];

    public int HostsOf(FollowerGroup group) => _groups[group].Select(a => a.Host).Distinct().Count();

    public long ActorFetches(FollowerGroup group) => _fetches[group];

    /// <summary>Followers with an Accept from <paramref name="target"/>, received in their own inbox.</summary>
    public int AcceptedFollowers(string target) =>
        _posts.Where(p => p.Type == "Accept" && p.ActivityActor == target && p.SignatureError is null && p.Actor is not null)
            .Select(p => p.FollowActor).Distinct().Count();

    public int AcceptPosts(string target) => _posts.Count(p => p.Type == "Accept" && p.ActivityActor == target);

    /// <summary>The Create POSTs of the video with this uuid (its id is /videos/watch/{uuid}).</summary>
    public List<InboxPost> CreatesOf(string uuid) =>
        _posts.Where(p => p.Type == "Create" && p.ObjectId is not null && p.ObjectId.EndsWith("/" + uuid, StringComparison.Ordinal)).ToList();

    /// <summary>POSTs a body signed as <paramref name="actor"/>; the status (0 when no answer) and, when not 2xx, why.</summary>
    public async Task<(int Status, string? Error)> PostSignedAsync(SinkActor actor, Uri inbox, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/activity+json");
        var host = _hosts[actor.Host];
        lock (host.Key)
        {
            HttpSignatures.Sign(request, body, actor.KeyId, host.Key, DateTimeOffset.UtcNow);
        }

        try
        {
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                return ((int)response.StatusCode, null);
            }

            var text = await response.Content.ReadAsStringAsync(ct);
            return ((int)response.StatusCode, $"HTTP {(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}");
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
    }

    private IResult ActorDocument(HttpContext http, string name)
    {
        if (!_hostByPort.TryGetValue(http.Connection.LocalPort, out var host) || !_actors.TryGetValue((host, name), out var entry))
        {
            return Results.NotFound();
        }

        _fetches.AddOrUpdate(entry.Actor.Group, 1, (_, n) => n + 1);
        return Results.Text(entry.Document, "application/activity+json");
    }

    private async Task<IResult> ReceiveAsync(HttpContext http, string? actorName)
    {
        var host = _hostByPort.GetValueOrDefault(http.Connection.LocalPort, -1);
        if (host < 0 || (actorName is not null && !_actors.ContainsKey((host, actorName))))
        {
            if (_unexpected.Count < MaxUnexpected)
            {
                _unexpected.Enqueue($"POST {http.Request.Host}{http.Request.Path} (no such inbox)");
            }

            return Results.NotFound();
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var at = DateTimeOffset.UtcNow;
        if (buffer.Length > MaxBody)
        {
            return Results.StatusCode(413);
        }

        var body = buffer.ToArray();
        string? type = null, activityActor = null, objectId = null, followActor = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            type = Str(root, "type");
            activityActor = IdOf(root, "actor");
            objectId = IdOf(root, "object");
            if (root.TryGetProperty("object", out var obj) && obj.ValueKind == JsonValueKind.Object)
            {
                followActor = IdOf(obj, "actor");
            }
        }
        catch (JsonException)
        {
            type = "(not JSON)";
        }

        var error = await CheckSignatureAsync(http.Request, body);
        _posts.Enqueue(new InboxPost(host, actorName, type, activityActor, objectId, followActor, error, at));
        Interlocked.Increment(ref _postCount);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>As a receiving instance would: the Digest matches, and the signature verifies with the key the sender publishes.</summary>
    private async Task<string?> CheckSignatureAsync(HttpRequest request, byte[] body)
    {
        var signature = HttpSignatures.Parse(request.Headers["Signature"].ToString());
        if (signature is null)
        {
            return "no signature";
        }

        if (!HttpSignatures.DigestMatches(request.Headers["Digest"].ToString(), body))
        {
            return "digest";
        }

        var key = await _senderKeys.GetOrAdd(signature.KeyId, id => new Lazy<Task<SenderKey?>>(() => FetchKeyAsync(id))).Value;
        if (key is null)
        {
            return "key not found";
        }

        lock (key.Rsa)
        {
            var verdict = HttpSignatures.Verify(request.Method, request.Path.ToUriComponent() + request.QueryString.ToUriComponent(),
                name => name == "host" ? request.Host.Value : request.Headers.TryGetValue(name, out var v) ? string.Join(", ", v.ToArray()) : null,
                signature, key.Rsa, DateTimeOffset.UtcNow, TimeSpan.FromHours(12), requireDigestForBody: true);
            return verdict.Valid ? null : verdict.Error;
        }
    }

    private async Task<SenderKey?> FetchKeyAsync(string keyId)
    {
        var actorUrl = keyId.Contains('#', StringComparison.Ordinal) ? keyId[..keyId.IndexOf('#', StringComparison.Ordinal)] : keyId;
        using var request = new HttpRequestMessage(HttpMethod.Get, actorUrl);
        request.Headers.Accept.ParseAdd("application/activity+json");
        try
        {
            using var response = await _http.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var key = doc.RootElement.GetProperty("publicKey");
            return Str(key, "id") == keyId && Str(key, "publicKeyPem") is { } pem ? new SenderKey(HttpSignatures.ImportPem(pem)) : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException
                                      or ArgumentException)
        {
            return null;
        }
    }

    private static string Document(SinkActor actor, SinkHost host)
    {
        var doc = new JsonObject
        {
            ["@context"] = new JsonArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
            ["id"] = actor.Url,
            ["type"] = "Person",
            ["preferredUsername"] = actor.Name,
            ["name"] = $"Bench follower {actor.Name}",
            ["inbox"] = actor.Url + "/inbox",
            ["outbox"] = actor.Url + "/outbox",
            ["followers"] = actor.Url + "/followers",
            ["following"] = actor.Url + "/following",
            ["publicKey"] = new JsonObject { ["id"] = actor.KeyId, ["owner"] = actor.Url, ["publicKeyPem"] = host.PublicKeyPem },
        };
        if (actor.Group.SharedInbox)
        {
            doc["endpoints"] = new JsonObject { ["sharedInbox"] = host.BaseUrl + "/inbox" };
        }

        return doc.ToJsonString();
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? IdOf(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : Str(v, "id")
            : null;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _http.Dispose();
        foreach (var host in _hosts)
        {
            host.Key.Dispose();
        }

        foreach (var key in _senderKeys.Values.Where(k => k.IsValueCreated && k.Value.IsCompletedSuccessfully))
        {
            key.Value.Result?.Rsa.Dispose();
        }
    }

    private sealed record SinkHost(int Index, string BaseUrl, RSA Key, string PublicKeyPem);

    private sealed record SenderKey(RSA Rsa);
}
