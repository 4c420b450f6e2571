using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>The fields PeerTube clients send with an upload, by PeerTube's names.</summary>
public sealed class VideoUploadMetadata
{
    public string? Name { get; set; }
    public int? ChannelId { get; set; }
    public int? Privacy { get; set; }
    public int? Category { get; set; }
    public int? Licence { get; set; }
    public string? Language { get; set; }
    public string? Description { get; set; }
    public string? Support { get; set; }
    public List<string>? Tags { get; set; }
    public bool? Nsfw { get; set; }
    public bool? WaitTranscoding { get; set; }
    public bool? DownloadEnabled { get; set; }
    public int? CommentsPolicy { get; set; }
    public bool? CommentsEnabled { get; set; }

    /// <summary>The passwords of a password-protected video (privacy 5).</summary>
    public List<string>? VideoPasswords { get; set; }

    /// <summary>Set when the body names it, even as null (an update's null clears it).</summary>
    public DateTimeOffset? OriginallyPublishedAt
    {
        get;
        set
        {
            field = value;
            OriginallyPublishedAtGiven = true;
        }
    }

    [JsonIgnore]
    public bool OriginallyPublishedAtGiven { get; private set; }

    /// <summary>PeerTube's scheduleUpdate; an update's explicit null removes the schedule.</summary>
    public VideoScheduleUpdate? ScheduleUpdate
    {
        get;
        set
        {
            field = value;
            ScheduleUpdateGiven = true;
        }
    }

    [JsonIgnore]
    public bool ScheduleUpdateGiven { get; private set; }

    /// <summary>Resumable uploads only: the original file name, which decides the accepted types.</summary>
    public string? Filename { get; set; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new LenientBooleanConverter() },
    };

    /// <summary>Reads the body as PeerTube clients send it: JSON, or a form (urlencoded or multipart).</summary>
    public static async Task<VideoUploadMetadata> ReadAsync(HttpRequest request, Dictionary<string, string> errors, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            return FromForm(form.ToDictionary(f => f.Key, f => f.Value.Select(v => v ?? "").ToList()), errors);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<VideoUploadMetadata>(request.Body, Json, ct) ?? new();
        }
        catch (JsonException e)
        {
            throw new Infrastructure.Errors.ApiProblemException(
                Infrastructure.Errors.ApiProblem.BadRequest($"The body is not valid JSON: {e.Message}", "invalid_json"));
        }
    }

    /// <summary>Multipart form fields as PeerTube clients send them ("tags[]", "tags[0]", booleans as "true"/"1").</summary>
    public static VideoUploadMetadata FromForm(IReadOnlyDictionary<string, List<string>> form, Dictionary<string, string> errors)
    {
        string? One(string key) => form.TryGetValue(key, out var v) && v.Count > 0 ? v[^1] : null;

        int? Int(string key)
        {
            var s = One(key);
            if (string.IsNullOrEmpty(s))
            {
                return null;
            }

            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            {
                return i;
            }

            errors[key] = $"Should have a valid {key}.";
            return null;
        }

        bool? Bool(string key) => One(key) is { Length: > 0 } s ? LenientBooleanConverter.Parse(s) : null;

        List<string> Array(string name) => form.Where(kv => kv.Key == name || kv.Key.StartsWith(name + "[", StringComparison.Ordinal))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SelectMany(kv => kv.Value).Where(t => t.Length > 0).ToList();

        DateTimeOffset? Date(string key)
        {
            var s = One(key);
            if (string.IsNullOrEmpty(s))
            {
                return null;
            }

            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
            {
                return d;
            }

            errors[key] = $"Should have a valid {key} date.";
            return null;
        }

        var tags = Array("tags");
        var passwords = Array("videoPasswords");
        var metadata = new VideoUploadMetadata
        {
            Name = One("name"),
            ChannelId = Int("channelId"),
            Privacy = Int("privacy"),
            Category = Int("category"),
            Licence = Int("licence"),
            Language = One("language"),
            Description = One("description"),
            Support = One("support"),
            Tags = tags.Count > 0 ? tags : null,
            Nsfw = Bool("nsfw"),
            WaitTranscoding = Bool("waitTranscoding"),
            DownloadEnabled = Bool("downloadEnabled"),
            CommentsPolicy = Int("commentsPolicy"),
            CommentsEnabled = Bool("commentsEnabled"),
            Filename = One("filename"),
            VideoPasswords = passwords.Count > 0 ? passwords : null,
        };
        if (form.ContainsKey("originallyPublishedAt"))
        {
            metadata.OriginallyPublishedAt = Date("originallyPublishedAt");
        }

        if (form.ContainsKey("scheduleUpdate[updateAt]"))
        {
            metadata.ScheduleUpdate = new VideoScheduleUpdate { UpdateAt = Date("scheduleUpdate[updateAt]"), Privacy = Int("scheduleUpdate[privacy]") };
        }

        return metadata;
    }

    /// <summary>PeerTube's constraints on these fields; the keys of <paramref name="errors"/> are field names.</summary>
    public void Validate(Dictionary<string, string> errors)
    {
        if (Name is null || Name.Trim().Length is < 3 or > 120)
        {
            errors["name"] = "Should have a video name between 3 and 120 characters long.";
        }

        if (ChannelId is null)
        {
            errors["channelId"] = "Should have correct video channel id.";
        }

        if (Privacy is not null && !Enum.IsDefined((VideoPrivacy)Privacy.Value))
        {
            errors["privacy"] = "Should have correct video privacy.";
        }

        if (Category is not null && !VideoConstants.Categories.ContainsKey(Category.Value))
        {
            errors["category"] = "Should have correct video category.";
        }

        if (Licence is not null && !VideoConstants.Licences.ContainsKey(Licence.Value))
        {
            errors["licence"] = "Should have correct video licence.";
        }

        if (Language is { Length: > 10 })
        {
            errors["language"] = "Should have correct video language.";
        }

        if (Description is { Length: > 10000 })
        {
            errors["description"] = "Should have a video description of at most 10000 characters.";
        }

        if (Support is { Length: > 1000 })
        {
            errors["support"] = "Should have a video support text of at most 1000 characters.";
        }

        if (Tags is { } tags && (tags.Count > 5 || tags.Any(t => t.Length is < 2 or > 30)))
        {
            errors["tags"] = "Should have an array of up to 5 tags between 2 and 30 characters each.";
        }

        if (CommentsPolicy is not null && CommentsPolicy is < 1 or > 3)
        {
            errors["commentsPolicy"] = "Should have a valid comments policy.";
        }

        if (Privacy == (int)VideoPrivacy.PasswordProtected)
        {
            Videos.VideoPasswords.Validate(VideoPasswords, "videoPasswords", errors);
        }

        if (ScheduleUpdate is { } schedule)
        {
            if (schedule.UpdateAt is null)
            {
                errors["scheduleUpdate.updateAt"] = "Should have a valid schedule update date.";
            }

            // PeerTube's isScheduleVideoUpdatePrivacyValid: a schedule publishes, so it ends public, unlisted or internal.
            if (schedule.Privacy is not (null or (int)VideoPrivacy.Public or (int)VideoPrivacy.Unlisted or (int)VideoPrivacy.Internal))
            {
                errors["scheduleUpdate.privacy"] = "Should have correct schedule update privacy.";
            }
        }
    }

    private sealed class LenientBooleanConverter : JsonConverter<bool>
    {
        public static bool Parse(string s) => s.Trim().ToLowerInvariant() is "true" or "1" or "on" or "yes";

        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.String => Parse(reader.GetString() ?? ""),
            JsonTokenType.Number => reader.GetInt32() != 0,
            _ => throw new JsonException("Expected a boolean."),
        };

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}

/// <summary>PeerTube's VideoScheduleUpdate: <c>{ updateAt, privacy }</c> (privacy public when absent).</summary>
public sealed class VideoScheduleUpdate
{
    public DateTimeOffset? UpdateAt { get; set; }
    public int? Privacy { get; set; }
}
