using System.Text.Json.Nodes;
using PeerTube.Net.Media.Profiles;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>The transcoding part of <c>GET /api/v1/config</c>: the ladder's resolutions and the profile in use.</summary>
internal sealed class TranscodingConfigPart(TranscodingProfile profile) : IServerConfigContributor
{
    public Task ContributeAsync(JsonObject config, CancellationToken ct)
    {
        if (config["transcoding"] is not JsonObject transcoding)
        {
            return Task.CompletedTask;
        }

        var resolutions = profile.Resolutions.Order().Select(r => (JsonNode?)r).ToList();
        if (profile.AudioOnlyRendition)
        {
            resolutions.Insert(0, 0);
        }

        transcoding["enabledResolutions"] = new JsonArray([.. resolutions]);
        var name = string.IsNullOrEmpty(profile.Name) ? "default" : profile.Name;
        transcoding["profile"] = name;
        transcoding["availableProfiles"] = new JsonArray(name);
        return Task.CompletedTask;
    }
}
