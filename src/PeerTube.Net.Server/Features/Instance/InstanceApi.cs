using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Instance;

/// <summary>
/// What the instance says about itself, on PeerTube's contract: <c>/ping</c>, <c>/config</c> (ServerConfig, which
/// PeerTube's clients read first), <c>/config/about</c>, and the admin's runtime settings at <c>/config/custom</c>.
/// </summary>
public static class InstanceApi
{
    public const string ServerVersion = "7.0.0";

    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Instance").DisableAntiforgery();
        // Plain text, as PeerTube answers it; a text result declares no response type, so the route does.
        api.MapGet("/ping", () => TypedResults.Text("pong")).Produces<string>(StatusCodes.Status200OK, "text/plain");
        api.MapGet("/config", GetConfig);
        api.MapGet("/config/about", GetAbout);

        var custom = api.MapGroup("/config/custom").RequireAdministrator("change the instance's configuration");
        custom.MapGet("", GetCustom);
        custom.MapPut("", PutCustomAsync);
        custom.MapDelete("", DeleteCustomAsync);
        return app;
    }

    private static JsonObject Effective(IOptions<InstanceOptions> instance, IConfiguration configuration, CustomConfigStore store) =>
        CustomConfigDocument.Effective(CustomConfigDocument.Defaults(instance.Value, configuration), store.Current);

    /// <summary>PeerTube's ServerConfig: the effective custom config in its public shape, and each feature's part.</summary>
    private static async Task<Ok<JsonObject>> GetConfig(IOptions<InstanceOptions> instance, IConfiguration configuration, CustomConfigStore store,
        IEnumerable<IServerConfigContributor> contributors, CancellationToken ct)
    {
        var c = Effective(instance, configuration, store);
        JsonNode? Copy(params string[] path)
        {
            JsonNode? node = c;
            foreach (var key in path)
            {
                node = node?[key];
            }

            return node?.DeepClone();
        }

        var i = c["instance"]!;
        var signup = c["signup"]!;
        var config = new JsonObject
        {
            ["serverVersion"] = ServerVersion,
            ["serverCommit"] = "peertube-net",
            ["client"] = new JsonObject
            {
                ["newFeaturesInfo"] = false,
                ["header"] = Copy("client", "header"),
                ["videos"] = new JsonObject
                {
                    ["miniature"] = Copy("client", "videos", "miniature"),
                    ["resumableUpload"] = new JsonObject { ["maxChunkSize"] = 100 * 1024 * 1024 },
                },
                ["browseVideos"] = Copy("client", "browseVideos"),
                ["menu"] = Copy("client", "menu"),
                ["openInApp"] = new JsonObject
                {
                    ["android"] = new JsonObject { ["intent"] = new JsonObject { ["enabled"] = false, ["host"] = "", ["scheme"] = "", ["fallbackUrl"] = "" } },
                    ["ios"] = new JsonObject { ["enabled"] = false, ["host"] = "", ["scheme"] = "", ["fallbackUrl"] = "" },
                },
            },
            ["defaults"] = Copy("defaults"),
            ["webadmin"] = new JsonObject { ["configuration"] = new JsonObject { ["edition"] = new JsonObject { ["allowed"] = true } } },
            ["instance"] = new JsonObject
            {
                ["name"] = i["name"]!.DeepClone(), ["shortDescription"] = i["shortDescription"]!.DeepClone(), ["isNSFW"] = i["isNSFW"]!.DeepClone(),
                ["defaultNSFWPolicy"] = i["defaultNSFWPolicy"]!.DeepClone(), ["serverCountry"] = i["serverCountry"]!.DeepClone(),
                ["support"] = i["support"]!.DeepClone(), ["social"] = i["social"]!.DeepClone(), ["defaultClientRoute"] = i["defaultClientRoute"]!.DeepClone(),
                ["customizations"] = i["customizations"]!.DeepClone(), ["avatars"] = new JsonArray(), ["banners"] = new JsonArray(),
                ["defaultLanguage"] = i["defaultLanguage"]!.DeepClone(), ["logo"] = new JsonArray(),
            },
            ["search"] = Copy("search"),
            ["plugin"] = new JsonObject { ["registered"] = new JsonArray(), ["registeredExternalAuths"] = new JsonArray(), ["registeredIdAndPassAuths"] = new JsonArray() },
            ["theme"] = new JsonObject
            {
                ["registered"] = new JsonArray(), ["builtIn"] = new JsonArray(new JsonObject { ["name"] = "peertube-core-light-beige" }, new JsonObject { ["name"] = "peertube-core-dark-brown" }),
                ["default"] = Copy("theme", "default"), ["customization"] = Copy("theme", "customization"),
            },
            ["email"] = new JsonObject { ["enabled"] = !string.IsNullOrWhiteSpace(configuration["Email:Smtp:Host"]) },
            ["contactForm"] = Copy("contactForm"),
            // Whether one can sign up now is the accounts feature's to say (it knows how many users there are).
            ["signup"] = new JsonObject
            {
                ["allowed"] = false, ["allowedForCurrentIP"] = true, ["requiresEmailVerification"] = signup["requiresEmailVerification"]!.DeepClone(),
                ["requiresApproval"] = signup["requiresApproval"]!.DeepClone(), ["minimumAge"] = signup["minimumAge"]!.DeepClone(),
            },
            ["transcoding"] = new JsonObject
            {
                ["hls"] = new JsonObject { ["enabled"] = true }, ["web_videos"] = new JsonObject { ["enabled"] = false },
                ["enabledResolutions"] = new JsonArray(), ["profile"] = Copy("transcoding", "profile"), ["availableProfiles"] = new JsonArray(Copy("transcoding", "profile")),
                ["remoteRunners"] = new JsonObject { ["enabled"] = false },
            },
            ["live"] = new JsonObject
            {
                ["enabled"] = false, ["allowReplay"] = false, ["latencySetting"] = new JsonObject { ["enabled"] = false },
                ["maxDuration"] = Copy("live", "maxDuration"), ["maxInstanceLives"] = Copy("live", "maxInstanceLives"), ["maxUserLives"] = Copy("live", "maxUserLives"),
                ["transcoding"] = new JsonObject
                {
                    ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false }, ["enabledResolutions"] = new JsonArray(),
                    ["profile"] = "default", ["availableProfiles"] = new JsonArray("default"),
                },
                ["rtmp"] = new JsonObject { ["port"] = 1935 },
            },
            ["videoStudio"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["videoFile"] = new JsonObject { ["update"] = new JsonObject { ["enabled"] = false } },
            ["import"] = new JsonObject
            {
                ["videos"] = new JsonObject { ["http"] = new JsonObject { ["enabled"] = false }, ["torrent"] = new JsonObject { ["enabled"] = false } },
                ["videoChannelSynchronization"] = new JsonObject { ["enabled"] = false }, ["users"] = new JsonObject { ["enabled"] = false },
            },
            ["export"] = new JsonObject { ["users"] = new JsonObject { ["enabled"] = false, ["exportExpiration"] = 0, ["maxUserVideoQuota"] = -1 } },
            ["autoBlacklist"] = Copy("autoBlacklist"),
            ["avatar"] = new JsonObject { ["file"] = new JsonObject { ["size"] = new JsonObject { ["max"] = 4 * 1024 * 1024 }, ["extensions"] = new JsonArray(".png", ".jpeg", ".jpg", ".gif", ".webp") } },
            ["banner"] = new JsonObject { ["file"] = new JsonObject { ["size"] = new JsonObject { ["max"] = 4 * 1024 * 1024 }, ["extensions"] = new JsonArray(".png", ".jpeg", ".jpg", ".gif", ".webp") } },
            ["video"] = new JsonObject
            {
                ["image"] = new JsonObject { ["size"] = new JsonObject { ["max"] = 4 * 1024 * 1024 }, ["extensions"] = new JsonArray(".png", ".jpg", ".jpeg", ".webp") },
                ["file"] = new JsonObject { ["extensions"] = new JsonArray(VideoConstants.UploadExtensions.Order(StringComparer.Ordinal).Select(e => (JsonNode?)e).ToArray()) },
            },
            ["videoCaption"] = new JsonObject { ["file"] = new JsonObject { ["size"] = new JsonObject { ["max"] = 20 * 1024 * 1024 }, ["extensions"] = new JsonArray(".vtt", ".srt") } },
            ["user"] = new JsonObject { ["videoQuota"] = Copy("user", "videoQuota"), ["videoQuotaDaily"] = Copy("user", "videoQuotaDaily") },
            ["videoChannels"] = Copy("videoChannels"),
            ["trending"] = new JsonObject
            {
                ["videos"] = new JsonObject { ["intervalDays"] = 7, ["algorithms"] = Copy("trending", "videos", "algorithms") },
            },
            ["tracker"] = new JsonObject { ["enabled"] = true },
            ["followings"] = new JsonObject { ["instance"] = new JsonObject { ["autoFollowIndex"] = new JsonObject { ["indexUrl"] = Copy("followings", "instance", "autoFollowIndex", "indexUrl") } } },
            ["federation"] = new JsonObject { ["enabled"] = configuration.GetValue("Federation:Enabled", true) },
            ["broadcastMessage"] = Copy("broadcastMessage"),
            ["homepage"] = new JsonObject { ["enabled"] = false },
            ["openTelemetry"] = new JsonObject { ["metrics"] = new JsonObject { ["enabled"] = false, ["playbackStatsInterval"] = 15000 } },
            ["views"] = new JsonObject
            {
                ["videos"] = new JsonObject
                {
                    ["remote"] = new JsonObject { ["maxAge"] = 30L * 24 * 3600 * 1000 }, ["local"] = new JsonObject { ["maxAge"] = -1 },
                    ["watchingInterval"] = new JsonObject { ["anonymous"] = 5000, ["users"] = 5000 },
                },
            },
            ["storyboards"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["videoTranscription"] = new JsonObject { ["enabled"] = false, ["remoteRunners"] = new JsonObject { ["enabled"] = false } },
            ["webrtc"] = new JsonObject { ["stunServers"] = new JsonArray() },
            ["nsfwFlagsSettings"] = new JsonObject { ["enabled"] = false },
            ["fieldsConstraints"] = new JsonObject { ["users"] = new JsonObject { ["password"] = new JsonObject { ["minLength"] = 6, ["maxLength"] = 255 } } },
        };
        foreach (var contributor in contributors)
        {
            await contributor.ContributeAsync(config, ct);
        }

        return TypedResults.Ok(config);
    }

    /// <summary>PeerTube's About: <c>{ instance: { name, shortDescription, description, terms, codeOfConduct, … } }</c>.</summary>
    private static Ok<JsonObject> GetAbout(IOptions<InstanceOptions> instance, IConfiguration configuration, CustomConfigStore store)
    {
        var i = Effective(instance, configuration, store)["instance"]!.AsObject();
        var about = new JsonObject();
        foreach (var key in new[]
                 {
                     "name", "shortDescription", "description", "terms", "codeOfConduct", "hardwareInformation", "creationReason", "moderationInformation",
                     "administrator", "maintenanceLifetime", "businessModel", "languages", "categories", "serverCountry", "support", "social",
                 })
        {
            about[key] = i[key]?.DeepClone();
        }

        about["avatars"] = new JsonArray();
        about["banners"] = new JsonArray();
        return TypedResults.Ok(new JsonObject { ["instance"] = about });
    }

    private static Ok<JsonObject> GetCustom(IOptions<InstanceOptions> instance, IConfiguration configuration, CustomConfigStore store) =>
        TypedResults.Ok(Effective(instance, configuration, store));

    /// <summary>The whole CustomConfig, as PeerTube's admin page sends it; answers the new effective config.</summary>
    private static async Task<Results<Ok<JsonObject>, BadRequestProblem>> PutCustomAsync(HttpRequest request, IOptions<InstanceOptions> instance,
        IConfiguration configuration, CustomConfigStore store, CancellationToken ct)
    {
        if (request.ContentLength > CustomConfigDocument.MaxBytes)
        {
            return ApiProblem.BadRequest($"The configuration is larger than {CustomConfigDocument.MaxBytes} bytes.");
        }

        JsonObject? body;
        try
        {
            using var limited = new MemoryStream();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(buffer, ct)) > 0)
            {
                if (limited.Length + read > CustomConfigDocument.MaxBytes)
                {
                    return ApiProblem.BadRequest($"The configuration is larger than {CustomConfigDocument.MaxBytes} bytes.");
                }

                limited.Write(buffer, 0, read);
            }

            body = JsonNode.Parse(limited.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 16 }) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return ApiProblem.BadRequest("The body must be a JSON object: PeerTube's CustomConfig.");
        }

        var defaults = CustomConfigDocument.Defaults(instance.Value, configuration);
        var errors = new Dictionary<string, string>();
        var changes = CustomConfigDocument.Changes(defaults, body, errors);
        if (changes is null)
        {
            return ApiProblem.InvalidParams(errors);
        }

        await store.SaveAsync(changes, ct);
        return TypedResults.Ok(CustomConfigDocument.Effective(defaults, changes));
    }

    private static async Task<Ok<JsonObject>> DeleteCustomAsync(IOptions<InstanceOptions> instance, IConfiguration configuration, CustomConfigStore store, CancellationToken ct)
    {
        await store.ResetAsync(ct);
        return TypedResults.Ok(CustomConfigDocument.Defaults(instance.Value, configuration));
    }
}
