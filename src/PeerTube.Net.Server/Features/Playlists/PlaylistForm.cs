using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace PeerTube.Net.Server.Features.Playlists;

/// <summary>
/// A playlist or element request body: JSON, urlencoded or multipart (with <c>thumbnailfile</c>), as PeerTube's clients send
/// them. A field sent as null is present (to clear it), a field not sent is absent.
/// </summary>
internal sealed class PlaylistForm : IDisposable
{
    /// <summary>Largest body: an image and a few fields.</summary>
    public const long MaxBodyBytes = 8 * 1024 * 1024 + 64 * 1024;

    private readonly Dictionary<string, string?> _fields;

    private PlaylistForm(Dictionary<string, string?> fields, string? thumbnailFile)
    {
        _fields = fields;
        ThumbnailFile = thumbnailFile;
    }

    /// <summary>The uploaded thumbnail, saved aside; deleted with the form.</summary>
    public string? ThumbnailFile { get; }

    public bool Has(string name) => _fields.ContainsKey(name);

    public string? String(string name) => _fields.GetValueOrDefault(name);

    /// <summary>An integer field; a malformed one goes in <paramref name="errors"/>.</summary>
    public int? Int(string name, Dictionary<string, string> errors)
    {
        var value = String(name);
        if (string.IsNullOrEmpty(value) || value == "null")
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
        {
            return i;
        }

        errors[name] = $"Should have a valid {name}.";
        return null;
    }

    public static async Task<PlaylistForm> ReadAsync(HttpRequest request, string temporaryDirectory, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new ApiProblemException(new ApiProblem(413, $"The body is larger than {MaxBodyBytes} bytes.", "payload_too_large"));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(ct);
                var fields = form.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
                string? thumbnail = null;
                if (form.Files.GetFile("thumbnailfile") is { Length: > 0 } file)
                {
                    Directory.CreateDirectory(temporaryDirectory);
                    thumbnail = Path.Combine(temporaryDirectory, Guid.NewGuid().ToString("N"));
                    await using var target = File.Create(thumbnail);
                    await file.CopyToAsync(target, ct);
                }

                return new PlaylistForm(fields, thumbnail);
            }

            if (request.ContentLength is 0 || (request.ContentLength is null && request.ContentType is null))
            {
                return new PlaylistForm([], null);
            }

            using var doc = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = 8 }, ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ApiProblemException(ApiProblem.BadRequest("The body must be a JSON object.", "invalid_json"));
            }

            return new PlaylistForm(doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Null => null,
                _ => p.Value.GetRawText(),
            }), null);
        }
        catch (JsonException e)
        {
            throw new ApiProblemException(ApiProblem.BadRequest($"The body is not valid JSON: {e.Message}", "invalid_json"));
        }
        catch (InvalidDataException e)
        {
            throw new ApiProblemException(new ApiProblem(413, e.Message, "payload_too_large"));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiProblemException(new ApiProblem(413, $"The body is larger than {MaxBodyBytes} bytes.", "payload_too_large"));
        }
    }

    public void Dispose() => StorageFiles.DeleteFile(ThumbnailFile);
}
