using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Media.Rtmp;

namespace PeerTube.Net.Server.Features.Live;

/// <summary>
/// The live part of <c>GET /api/v1/config</c>, as PeerTube's ServerConfig.live: whether lives may be made, the
/// latency setting, the ladder (<c>live.transcoding.enabledResolutions</c>: the resolutions a live may be transcoded
/// to, never above the source) and the RTMP port.
/// </summary>
internal sealed class LiveConfigPart(
    IOptions<LiveOptions> options,
    IOptions<LiveTranscodingOptions> transcoding,
    IOptions<RtmpOptions> rtmp,
    TranscodingProfile profile,
    LiveIngest ingest) : IServerConfigContributor
{
    public Task ContributeAsync(JsonObject config, CancellationToken ct)
    {
        if (config["live"] is not JsonObject live)
        {
            return Task.CompletedTask;
        }

        var o = options.Value;
        var t = transcoding.Value;
        live["enabled"] = o.Enabled;
        live["latencySetting"] = new JsonObject { ["enabled"] = true };
        if (live["transcoding"] is JsonObject ladder)
        {
            ladder["enabled"] = t.Enabled;
            ladder["enabledResolutions"] = t.Enabled
                ? new JsonArray([.. (t.Resolutions ?? [.. profile.Resolutions]).Where(r => r <= o.MaxResolution).Distinct().Order().Select(r => (JsonNode?)r)])
                : new JsonArray();
            var name = string.IsNullOrEmpty(profile.Name) ? "default" : profile.Name;
            ladder["profile"] = name;
            ladder["availableProfiles"] = new JsonArray(name);
        }

        live["rtmp"] = new JsonObject { ["port"] = ingest.EndPoint?.Port ?? rtmp.Value.Port };
        return Task.CompletedTask;
    }
}
