using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// Reading and writing ActivityPub JSON the tolerant way: a property may be a string, an object with an id, or an
/// array of either (Mastodon, PeerTube and Fedify all use each form somewhere); unknown properties are ignored.
/// </summary>
public static class ActivityJson
{
    public const string ContentType = "application/activity+json";
    public const string LdContentType = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    public const string Public = "https://www.w3.org/ns/activitystreams#Public";

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    /// <summary>How remote documents are parsed: comments and trailing commas tolerated, nesting bounded.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    /// <summary>True when the Accept header asks for ActivityPub rather than HTML.</summary>
    public static bool Wants(string? accept) =>
        accept is not null
        && (accept.Contains("application/activity+json", StringComparison.OrdinalIgnoreCase)
            || (accept.Contains("application/ld+json", StringComparison.OrdinalIgnoreCase)
                && !accept.StartsWith("text/html", StringComparison.OrdinalIgnoreCase)));

    /// <summary>The context PeerTube sends, so that PeerTube reads our extension terms (uuid, Infohash, state…) as its own.</summary>
    public static JsonArray Context() =>
    [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        new JsonObject
        {
            ["RsaSignature2017"] = "https://w3id.org/security#RsaSignature2017",
            ["pt"] = "https://joinpeertube.org/ns#",
            ["sc"] = "http://schema.org/",
            ["Hashtag"] = "as:Hashtag",
            ["uuid"] = "sc:identifier",
            ["category"] = "sc:category",
            ["licence"] = "sc:license",
            ["subtitleLanguage"] = "sc:subtitleLanguage",
            ["sensitive"] = "as:sensitive",
            ["language"] = "sc:inLanguage",
            ["identifier"] = "sc:identifier",
            ["isLiveBroadcast"] = "sc:isLiveBroadcast",
            ["icons"] = "as:icon",
            ["state"] = new JsonObject { ["@type"] = "sc:Number", ["@id"] = "pt:state" },
            ["size"] = new JsonObject { ["@type"] = "sc:Number", ["@id"] = "pt:size" },
            ["fps"] = new JsonObject { ["@type"] = "sc:Number", ["@id"] = "pt:fps" },
            ["commentsEnabled"] = new JsonObject { ["@type"] = "sc:Boolean", ["@id"] = "pt:commentsEnabled" },
            ["commentsPolicy"] = new JsonObject { ["@type"] = "sc:Number", ["@id"] = "pt:commentsPolicy" },
            ["downloadEnabled"] = new JsonObject { ["@type"] = "sc:Boolean", ["@id"] = "pt:downloadEnabled" },
            ["waitTranscoding"] = new JsonObject { ["@type"] = "sc:Boolean", ["@id"] = "pt:waitTranscoding" },
            ["support"] = new JsonObject { ["@type"] = "sc:Text", ["@id"] = "pt:support" },
            ["likes"] = new JsonObject { ["@id"] = "as:likes", ["@type"] = "@id" },
            ["dislikes"] = new JsonObject { ["@id"] = "as:dislikes", ["@type"] = "@id" },
            ["shares"] = new JsonObject { ["@id"] = "as:shares", ["@type"] = "@id" },
            ["comments"] = new JsonObject { ["@id"] = "as:comments", ["@type"] = "@id" },
            ["playlists"] = new JsonObject { ["@id"] = "pt:playlists", ["@type"] = "@id" },
            ["Infohash"] = "pt:Infohash",
            ["CacheFile"] = "pt:CacheFile",
            ["expires"] = "sc:expires",
            ["originallyPublishedAt"] = "sc:datePublished",
            ["aspectRatio"] = new JsonObject { ["@type"] = "sc:Float", ["@id"] = "pt:aspectRatio" },
        },
    ];

    public static JsonObject WithContext(JsonObject body)
    {
        var doc = new JsonObject { ["@context"] = Context() };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            doc[key] = value;
        }

        return doc;
    }

    public static string? String(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    public static bool TryProperty(this JsonElement e, string name, out JsonElement value)
    {
        value = default;
        return e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>The id of a property that is a string, an object with an id, or the first of an array of either.</summary>
    public static string? Id(this JsonElement e, string name) =>
        e.TryProperty(name, out var p) ? IdOf(p) : null;

    public static string? IdOf(JsonElement p) => p.ValueKind switch
    {
        JsonValueKind.String => p.GetString(),
        JsonValueKind.Object => p.String("id") ?? p.String("href"),
        JsonValueKind.Array => p.EnumerateArray().Select(IdOf).FirstOrDefault(id => id is not null),
        _ => null,
    };

    /// <summary>Every id in a property that may be a single value or an array.</summary>
    public static IEnumerable<string> Ids(this JsonElement e, string name)
    {
        if (!e.TryProperty(name, out var p))
        {
            yield break;
        }

        if (p.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in p.EnumerateArray())
            {
                if (IdOf(item) is { } id)
                {
                    yield return id;
                }
            }
        }
        else if (IdOf(p) is { } single)
        {
            yield return single;
        }
    }

    /// <summary>The elements of a property that may be a single value or an array.</summary>
    public static IEnumerable<JsonElement> Items(this JsonElement e, string name)
    {
        if (!e.TryProperty(name, out var p))
        {
            return [];
        }

        return p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().ToList() : [p];
    }

    /// <summary>"type" as a string, or the first of an array (some servers send ["Video", "pt:Video"]).</summary>
    public static string? Type(this JsonElement e) =>
        e.TryProperty("type", out var t)
            ? t.ValueKind == JsonValueKind.String ? t.GetString() : t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : null).FirstOrDefault(x => x is not null) : null
            : null;

    public static int? Int(this JsonElement e, string name) =>
        e.TryProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var i) ? i
        : e.TryProperty(name, out p) && p.ValueKind == JsonValueKind.String && int.TryParse(p.GetString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out i) ? i
        : null;

    public static long? Long(this JsonElement e, string name) =>
        e.TryProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var i) ? i : null;

    public static double? Double(this JsonElement e, string name) =>
        e.TryProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : null;

    public static bool? Bool(this JsonElement e, string name) =>
        e.TryProperty(name, out var p) && p.ValueKind is JsonValueKind.True or JsonValueKind.False ? p.GetBoolean() : null;

    public static DateTimeOffset? Date(this JsonElement e, string name) =>
        e.String(name) is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>"host" or "host:port" of an absolute URL, the way we key remote actors.</summary>
    public static string? HostOf(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? u.IsDefaultPort ? u.Host.ToLowerInvariant() : $"{u.Host.ToLowerInvariant()}:{u.Port}"
            : null;

    public static bool SameHost(string? a, string? b) => HostOf(a) is { } ha && ha == HostOf(b);

    /// <summary>ISO 8601 duration as PeerTube writes it: "PT{seconds}S".</summary>
    public static string Duration(int seconds) => $"PT{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}S";

    public static int ParseDuration(string? iso)
    {
        if (string.IsNullOrEmpty(iso))
        {
            return 0;
        }

        try
        {
            return (int)System.Xml.XmlConvert.ToTimeSpan(iso).TotalSeconds;
        }
        catch (FormatException)
        {
            return 0;
        }
    }
}
