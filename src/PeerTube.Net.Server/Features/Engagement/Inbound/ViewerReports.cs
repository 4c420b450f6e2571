using System.Text.Json;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Engagement.Inbound;

/// <summary>
/// PeerTube's live viewer reports (its "viewer protocol v2", lib/activitypub/process/process-view.ts): a View with
/// <c>expires</c> (or the older <c>expiration</c>). On one of our videos each is one viewer, named by the activity's id,
/// from the signer's instance, until it expires; on a remote video, only its origin speaks, and a
/// <c>result.userInteractionCount</c> is its whole audience. Bounded per instance: a rate (<see cref="ViewerReportLimit"/>)
/// and a number of viewers (<see cref="ViewersOptions.MaxRemoteViewersPerHost"/>).
/// </summary>
public sealed class ViewerReports(ActivityVideos videos, VideoViewers viewers, ViewerReportLimit limit)
{
    public static bool IsViewerReport(JsonElement activity) =>
        activity.TryProperty("expires", out _) || activity.TryProperty("expiration", out _);

    public async Task<string?> ReceiveAsync(JsonElement activity, Actor signer, CancellationToken ct)
    {
        var host = signer.Host!;
        if (!limit.TryTake(host))
        {
            return "too many viewer reports from this instance";
        }

        var id = activity.String("id");
        if (id is null || !ActivityJson.SameHost(id, signer.Url))
        {
            return "a viewer report must have an id on its signer's host";
        }

        var expires = activity.Date("expires") ?? activity.Date("expiration");
        if (expires is null)
        {
            return "a viewer report needs a valid expires";
        }

        var video = await videos.ByUrlAsync(activity.Id("object"), ct);
        if (video is null)
        {
            return "unknown video";
        }

        if (video.IsLocal)
        {
            if (VideoUrls.IsPrivateLike(video))
            {
                return "the video is private or internal";
            }

            return viewers.AddRemote(video.Id, host, id, expires.Value) ? null : "too many viewers reported by this instance";
        }

        if (ActivityJson.HostOf(video.RemoteUrl) != host)
        {
            return "viewers of a remote video are taken from its origin only";
        }

        if (activity.TryProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            && result.String("interactionType") == "WatchAction" && result.String("type") == "InteractionCounter"
            && result.Int("userInteractionCount") is { } total)
        {
            viewers.SetRemoteTotal(video.Id, host, total, expires.Value);
            return null;
        }

        return viewers.AddRemote(video.Id, host, id, expires.Value) ? null : "too many viewers reported by this instance";
    }
}

/// <summary>
/// Viewer reports taken per remote instance per minute (<see cref="ViewersOptions.MaxRemoteReportsPerMinute"/>), in
/// memory: a fixed window per host, the table emptied when it holds too many hosts.
/// </summary>
public sealed class ViewerReportLimit(TimeProvider clock, IOptions<ViewersOptions> options)
{
    private const int MaxHosts = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Minute, int Count)> _windows = new(StringComparer.OrdinalIgnoreCase);

    public bool TryTake(string host)
    {
        var minute = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_gate)
        {
            if (_windows.Count >= MaxHosts && !_windows.ContainsKey(host))
            {
                foreach (var stale in _windows.Where(w => w.Value.Minute != minute).Select(w => w.Key).ToList())
                {
                    _windows.Remove(stale);
                }

                if (_windows.Count >= MaxHosts)
                {
                    return false;
                }
            }

            var (at, count) = _windows.GetValueOrDefault(host);
            count = at == minute ? count : 0;
            if (count >= options.Value.MaxRemoteReportsPerMinute)
            {
                return false;
            }

            _windows[host] = (minute, count + 1);
            return true;
        }
    }
}
