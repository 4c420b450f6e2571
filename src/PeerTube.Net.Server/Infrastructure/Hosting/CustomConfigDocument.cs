using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerTube.Net.Server.Infrastructure.Hosting;

/// <summary>
/// PeerTube's CustomConfig: the defaults (from appsettings and what this server does), the admin's changes laid over
/// them, and the checks a PUT goes through. Only keys of the defaults are kept, each with the type it has there; what
/// is stored is what differs from the defaults, so a later change in appsettings still shows where the admin set nothing.
/// </summary>
public static class CustomConfigDocument
{
    public const int MaxBytes = 256 * 1024;

    /// <summary>Strings longer than this are refused (PeerTube's longest, the instance description and terms).</summary>
    public const int MaxStringLength = 10_000;

    public static JsonObject Defaults(InstanceOptions instance, IConfiguration configuration)
    {
        bool Flag(string key, bool fallback) => configuration.GetValue(key, fallback);
        var resolutions = new JsonObject();
        foreach (var r in new[] { "0p", "144p", "240p", "360p", "480p", "720p", "1080p", "1440p", "2160p" })
        {
            resolutions[r] = r != "0p";
        }

        var defaults = new JsonObject
        {
            ["instance"] = new JsonObject
            {
                ["name"] = instance.Name, ["shortDescription"] = "A PeerTube-compatible video server.", ["description"] = "", ["terms"] = "",
                ["codeOfConduct"] = "", ["creationReason"] = "", ["moderationInformation"] = "", ["administrator"] = "", ["maintenanceLifetime"] = "",
                ["businessModel"] = "", ["hardwareInformation"] = "", ["defaultLanguage"] = "en", ["languages"] = new JsonArray(), ["categories"] = new JsonArray(),
                ["isNSFW"] = false, ["defaultNSFWPolicy"] = "do_not_list", ["serverCountry"] = "",
                ["support"] = new JsonObject { ["text"] = "" },
                ["social"] = new JsonObject { ["externalLink"] = "", ["mastodonLink"] = "", ["blueskyLink"] = "", ["xLink"] = "" },
                ["defaultClientRoute"] = "/videos/browse",
                ["customizations"] = new JsonObject { ["javascript"] = "", ["css"] = "" },
            },
            ["theme"] = new JsonObject { ["default"] = "default", ["customization"] = new JsonObject() },
            ["services"] = new JsonObject { ["twitter"] = new JsonObject { ["username"] = "" } },
            ["client"] = new JsonObject
            {
                ["header"] = new JsonObject { ["hideInstanceName"] = false },
                ["videos"] = new JsonObject { ["miniature"] = new JsonObject { ["preferAuthorDisplayName"] = false } },
                ["browseVideos"] = new JsonObject { ["defaultSort"] = "-publishedAt", ["defaultScope"] = "federated" },
                ["menu"] = new JsonObject { ["login"] = new JsonObject { ["redirectOnSingleExternalAuth"] = false } },
            },
            ["signup"] = new JsonObject
            {
                ["enabled"] = false, ["limit"] = 10, ["requiresApproval"] = true, ["requiresEmailVerification"] = false, ["minimumAge"] = 16,
            },
            ["admin"] = new JsonObject { ["email"] = "" },
            ["contactForm"] = new JsonObject { ["enabled"] = false },
            ["user"] = new JsonObject
            {
                ["history"] = new JsonObject { ["videos"] = new JsonObject { ["enabled"] = true } },
                ["videoQuota"] = -1, ["videoQuotaDaily"] = -1, ["defaultChannelName"] = "Main $1 channel",
            },
            ["videoChannels"] = new JsonObject { ["maxPerUser"] = 20 },
            ["transcoding"] = new JsonObject
            {
                ["enabled"] = true, ["originalFile"] = new JsonObject { ["keep"] = false }, ["allowAdditionalExtensions"] = true, ["allowAudioFiles"] = true,
                ["remoteRunners"] = new JsonObject { ["enabled"] = false },
                ["threads"] = configuration.GetValue("Transcoding:Threads", 0), ["concurrency"] = configuration.GetValue("Transcoding:Concurrency", 1),
                ["profile"] = configuration.GetValue("Transcoding:Profile", "default.json"), ["resolutions"] = resolutions,
                ["alwaysTranscodeOriginalResolution"] = true, ["fps"] = new JsonObject { ["max"] = configuration.GetValue("Transcoding:Limits:MaxFps", 120.0) },
                ["webVideos"] = new JsonObject { ["enabled"] = false }, ["hls"] = new JsonObject { ["enabled"] = true, ["splitAudioAndVideo"] = false },
            },
            ["live"] = new JsonObject
            {
                ["enabled"] = false, ["allowReplay"] = false, ["latencySetting"] = new JsonObject { ["enabled"] = false },
                ["maxDuration"] = -1, ["maxInstanceLives"] = 20, ["maxUserLives"] = 3,
            },
            ["videoStudio"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["videoTranscription"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["videoFile"] = new JsonObject { ["update"] = new JsonObject { ["enabled"] = false } },
            ["import"] = new JsonObject
            {
                ["videos"] = new JsonObject { ["concurrency"] = 1, ["http"] = new JsonObject { ["enabled"] = false }, ["torrent"] = new JsonObject { ["enabled"] = false } },
                ["videoChannelSynchronization"] = new JsonObject { ["enabled"] = false, ["maxPerUser"] = 10 },
                ["users"] = new JsonObject { ["enabled"] = false },
            },
            ["export"] = new JsonObject { ["users"] = new JsonObject { ["enabled"] = false, ["maxUserVideoQuota"] = -1, ["exportExpiration"] = 0 } },
            ["trending"] = new JsonObject
            {
                ["videos"] = new JsonObject { ["algorithms"] = new JsonObject { ["enabled"] = new JsonArray("hot", "most-viewed", "most-liked"), ["default"] = "most-viewed" } },
            },
            ["autoBlacklist"] = new JsonObject { ["videos"] = new JsonObject { ["ofUsers"] = new JsonObject { ["enabled"] = false } } },
            ["followers"] = new JsonObject
            {
                ["instance"] = new JsonObject { ["enabled"] = Flag("Federation:Enabled", true), ["manualApproval"] = !Flag("Federation:AutoAcceptFollowers", true) },
                ["channels"] = new JsonObject { ["enabled"] = true },
            },
            ["followings"] = new JsonObject
            {
                ["instance"] = new JsonObject
                {
                    ["autoFollowBack"] = new JsonObject { ["enabled"] = false },
                    ["autoFollowIndex"] = new JsonObject { ["enabled"] = false, ["indexUrl"] = "" },
                },
            },
            ["broadcastMessage"] = new JsonObject { ["enabled"] = false, ["message"] = "", ["level"] = "info", ["dismissable"] = false },
            ["search"] = new JsonObject
            {
                ["remoteUri"] = new JsonObject { ["users"] = false, ["anonymous"] = false },
                ["searchIndex"] = new JsonObject { ["enabled"] = false, ["url"] = "", ["disableLocalSearch"] = false, ["isDefaultSearch"] = false },
            },
            ["storyboards"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["defaults"] = new JsonObject
            {
                ["publish"] = new JsonObject { ["downloadEnabled"] = true, ["commentsPolicy"] = 1, ["privacy"] = 1, ["licence"] = 0 },
                ["p2p"] = new JsonObject { ["webapp"] = new JsonObject { ["enabled"] = true }, ["embed"] = new JsonObject { ["enabled"] = true } },
                ["player"] = new JsonObject { ["theme"] = "galaxy", ["autoPlay"] = true },
            },
            ["videoComments"] = new JsonObject { ["acceptRemoteComments"] = true },
        };

        // Parsed back, so that every value is of one kind (a JSON element) and compares and converts alike.
        return (JsonObject)JsonNode.Parse(defaults.ToJsonString())!;
    }

    /// <summary>The defaults with the stored changes laid over them.</summary>
    public static JsonObject Effective(JsonObject defaults, JsonObject stored)
    {
        var result = (JsonObject)defaults.DeepClone();
        Overlay(result, stored, "", null);
        return result;
    }

    /// <summary>
    /// Checks <paramref name="body"/> against the defaults' keys and types; on success returns what differs from the
    /// defaults (what is stored). Unknown keys are ignored, as PeerTube ignores them.
    /// </summary>
    public static JsonObject? Changes(JsonObject defaults, JsonObject body, Dictionary<string, string> errors)
    {
        var merged = (JsonObject)defaults.DeepClone();
        Overlay(merged, body, "", errors);
        Check(merged, errors);
        return errors.Count > 0 ? null : Diff(defaults, merged);
    }

    private static void Overlay(JsonObject target, JsonObject source, string path, Dictionary<string, string>? errors)
    {
        foreach (var (key, value) in source)
        {
            if (!target.TryGetPropertyValue(key, out var existing))
            {
                // Unknown keys are left out; an empty object (theme.customization) takes what it is given, strings only.
                if (target.Count == 0 && value is JsonValue v && v.GetValueKind() == JsonValueKind.String && path.EndsWith("customization", StringComparison.Ordinal))
                {
                    target[key] = value.DeepClone();
                }

                continue;
            }

            var name = path.Length == 0 ? key : $"{path}.{key}";
            switch (existing)
            {
                case JsonObject o when value is JsonObject child:
                    Overlay(o, child, name, errors);
                    break;
                case JsonArray when value is JsonArray array:
                    target[key] = array.DeepClone();
                    break;
                case JsonValue current when value is JsonValue given && SameKind(current.GetValueKind(), given.GetValueKind()):
                    target[key] = given.DeepClone();
                    break;
                default:
                    if (errors is not null)
                    {
                        errors[name] = $"Should be {Describe(existing)}.";
                    }

                    break;
            }
        }
    }

    private static bool SameKind(JsonValueKind a, JsonValueKind b) =>
        a == b || (a is JsonValueKind.True or JsonValueKind.False && b is JsonValueKind.True or JsonValueKind.False);

    private static string Describe(JsonNode? node) => node switch
    {
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => "a number",
        _ => "a string",
    };

    /// <summary>PeerTube's bounds on the values this server uses.</summary>
    private static void Check(JsonObject config, Dictionary<string, string> errors)
    {
        var name = config["instance"]?["name"]?.GetValue<string>() ?? "";
        if (name.Trim().Length is < 1 or > 120)
        {
            errors["instance.name"] = "Should have a name of 1 to 120 characters.";
        }

        if ((config["instance"]?["shortDescription"]?.GetValue<string>() ?? "").Length > 250)
        {
            errors["instance.shortDescription"] = "Should have a short description of at most 250 characters.";
        }

        CheckStrings(config, "", errors);
        CheckInteger(config, "signup", "limit", -1, int.MaxValue, errors);
        CheckInteger(config, "signup", "minimumAge", 1, 100, errors);
        CheckInteger(config, "user", "videoQuota", -1, long.MaxValue, errors);
        CheckInteger(config, "user", "videoQuotaDaily", -1, long.MaxValue, errors);
        CheckInteger(config, "videoChannels", "maxPerUser", 1, 1000, errors);
        if (config["broadcastMessage"]?["level"]?.GetValue<string>() is not ("info" or "warning" or "error"))
        {
            errors["broadcastMessage.level"] = "Should be info, warning or error.";
        }

        if (config["instance"]?["defaultNSFWPolicy"]?.GetValue<string>() is not ("do_not_list" or "blur" or "display" or "warn"))
        {
            errors["instance.defaultNSFWPolicy"] = "Should be do_not_list, blur, warn or display.";
        }
    }

    private static void CheckStrings(JsonNode? node, string path, Dictionary<string, string> errors)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    CheckStrings(value, path.Length == 0 ? key : $"{path}.{key}", errors);
                }

                break;
            case JsonArray a:
                if (a.Count > 500)
                {
                    errors[path] = "Should have at most 500 items.";
                }

                foreach (var item in a)
                {
                    CheckStrings(item, path, errors);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > MaxStringLength:
                errors[path] = $"Should have at most {MaxStringLength} characters.";
                break;
        }
    }

    private static void CheckInteger(JsonObject config, string section, string key, long min, long max, Dictionary<string, string> errors)
    {
        var value = config[section]?[key];
        if (value is not JsonValue v || !v.TryGetValue<double>(out var d) || d != Math.Floor(d) || d < min || d > max)
        {
            errors[$"{section}.{key}"] = max == long.MaxValue || max == int.MaxValue ? $"Should be an integer of at least {min}." : $"Should be an integer from {min} to {max}.";
        }
    }

    private static JsonObject Diff(JsonObject defaults, JsonObject merged)
    {
        var changes = new JsonObject();
        foreach (var (key, value) in merged)
        {
            var original = defaults[key];
            if (value is JsonObject child && original is JsonObject originalChild)
            {
                var nested = Diff(originalChild, child);
                if (nested.Count > 0)
                {
                    changes[key] = nested;
                }
            }
            else if (!JsonNode.DeepEquals(value, original))
            {
                changes[key] = value?.DeepClone();
            }
        }

        return changes;
    }
}
