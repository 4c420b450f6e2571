using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Features.Uploads;

internal static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        var videos = app.MapGroup("/api/v1/videos").WithTags("Uploads").RequireAuthorization().DisableAntiforgery();
        videos.MapPost("/upload", UploadAsync);
        videos.MapPost("/upload-resumable", ResumableUploads.InitAsync);
        videos.MapPut("/upload-resumable", ResumableUploads.PutChunkAsync);
        videos.MapDelete("/upload-resumable", ResumableUploads.CancelAsync);
        return app;
    }

    public static object CreatedBody(Video v) => new { video = new { id = v.Id, uuid = v.Uuid, shortUUID = ShortUuid.FromGuid(v.Uuid) } };

    /// <summary>
    /// PeerTube's single-request upload. The multipart body is read section by section so that the video goes
    /// to disk as it arrives: constant memory whatever the size, and a 413 as soon as a limit is crossed.
    /// </summary>
    private static async Task<IResult> UploadAsync(HttpContext http, ClaimsPrincipal principal, VideoIntake intake, StoragePaths paths,
        IOptions<UploadsOptions> options)
    {
        var ct = http.RequestAborted;
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = null;
        var userId = principal.UserId()!.Value;
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(contentType.Boundary).Value is not { Length: > 0 } boundary)
        {
            return ApiProblem.BadRequest("The upload must be multipart/form-data.", "invalid_content_type");
        }

        var allowance = await intake.AllowanceAsync(userId, ct);
        var limits = options.Value;
        var sections = 0;
        var form = new Dictionary<string, List<string>>();
        var temporary = new List<string>();
        string? videoFile = null, videoFilename = null, thumbnail = null, preview = null;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body)
            {
                HeadersCountLimit = limits.MaxMultipartHeaders,
                HeadersLengthLimit = limits.MaxMultipartHeaderBytes,
                BodyLengthLimit = limits.MaxMultipartBodyBytes,
            };
            while (await ReadNextSectionAsync(reader, ct) is { } section)
            {
                if (++sections > limits.MaxFormFields)
                {
                    return new ApiProblem(413, $"The form has more than {limits.MaxFormFields} fields.", "too_many_form_fields");
                }

                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
                {
                    continue;
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.IsFileDisposition())
                {
                    var path = Path.Combine(paths.Uploads, Guid.NewGuid().ToString("N"));
                    temporary.Add(path);
                    switch (name)
                    {
                        case "videofile":
                            videoFilename = HeaderUtilities.RemoveQuotes(disposition.FileName).Value ?? disposition.FileNameStar.Value ?? "video";
                            if (!VideoConstants.UploadExtensions.Contains(Path.GetExtension(videoFilename)))
                            {
                                return VideoIntake.UnsupportedType(videoFilename);
                            }

                            await CopyVideoAsync(section.Body, path, allowance, ct);
                            videoFile = path;
                            break;
                        case "thumbnailfile" or "previewfile":
                            await CopyLimitedAsync(section.Body, path, size =>
                            {
                                if (size > options.Value.MaxImageSizeBytes)
                                {
                                    throw new ApiProblemException(new ApiProblem(413, $"The {name} image is too large.", "max_file_size_reached"));
                                }
                            }, ct);
                            if (name == "thumbnailfile") thumbnail = path; else preview = path;
                            break;
                        default:
                            await section.Body.CopyToAsync(Stream.Null, ct);
                            break;
                    }
                }
                else if (disposition.IsFormDisposition())
                {
                    var value = await ReadFieldAsync(section.Body, name, limits.MaxFormFieldBytes, ct);
                    if (!form.TryGetValue(name, out var values))
                    {
                        form[name] = values = [];
                    }

                    values.Add(value);
                }
            }

            var errors = new Dictionary<string, string>();
            var metadata = VideoUploadMetadata.FromForm(form, errors);
            if (videoFile is null)
            {
                errors["videofile"] = "This file is not supported or is missing.";
            }

            if (errors.Count > 0)
            {
                return ApiProblem.InvalidParams(errors);
            }

            var channel = await intake.CheckMetadataAsync(metadata, userId, videoFilename, ct);
            var video = await intake.AcceptWithinQuotaAsync(userId, false, videoFile!, videoFilename!, metadata, channel, thumbnail, preview, ct);
            return TypedResults.Ok(CreatedBody(video));
        }
        finally
        {
            foreach (var path in temporary)
            {
                StorageFiles.DeleteFile(path);
            }
        }
    }

    /// <summary>The reader's own limits (headers, body length) throw <see cref="InvalidDataException"/>: answered as PeerTube-style 4xx.</summary>
    private static async Task<MultipartSection?> ReadNextSectionAsync(MultipartReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadNextSectionAsync(ct);
        }
        catch (InvalidDataException e) when (e.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiProblemException(new ApiProblem(413, "The request body is too large.", "max_file_size_reached"));
        }
        catch (InvalidDataException e)
        {
            throw new ApiProblemException(ApiProblem.BadRequest("The multipart form is malformed or its headers are too large: " + e.Message,
                "invalid_multipart_form"));
        }
    }

    /// <summary>
    /// Streams the video to disk. Past the quota the bytes are no longer kept but still counted (up to the maximum file
    /// size), so the refusal states the file's real size, not the size of the chunk that crossed the line.
    /// </summary>
    private static async Task CopyVideoAsync(Stream source, string path, UploadAllowance allowance, CancellationToken ct)
    {
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        var buffer = new byte[1 << 16];
        long total = 0;
        var overQuota = false;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            allowance.CheckMaxFileSize(total, measuredInFull: false);
            if (!overQuota && !allowance.FitsQuota(total))
            {
                overQuota = true;
                target.SetLength(0);
            }

            if (!overQuota)
            {
                await target.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        allowance.Check(total);
    }

    private static async Task<string> ReadFieldAsync(Stream body, string name, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new ApiProblemException(new ApiProblem(413, $"The form field '{name}' is longer than {limit} bytes.", "form_field_too_long"));
            }

            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Streams to a file, calling <paramref name="check"/> with the running size so limits stop it early.</summary>
    private static async Task CopyLimitedAsync(Stream source, string path, Action<long> check, CancellationToken ct)
    {
        await using var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        await CopyLimitedAsync(source, target, 0, check, ct);
    }

    internal static async Task CopyLimitedAsync(Stream source, Stream target, long startLength, Action<long> check, CancellationToken ct)
    {
        var buffer = new byte[1 << 16];
        var total = startLength;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            total += read;
            check(total);
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }
}

/// <summary>
/// PeerTube's resumable upload protocol: POST opens a session (201 + Location), PUTs send byte ranges
/// (308 + Range while incomplete, 200 + the video on the last one), DELETE cancels.
/// </summary>
internal static class ResumableUploads
{
    public static async Task<IResult> InitAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, VideoIntake intake,
        IOptions<UploadsOptions> options, IOptions<InstanceOptions> instance, TimeProvider clock, StoragePaths paths)
    {
        var ct = http.RequestAborted;
        var userId = principal.UserId()!.Value;
        if (!long.TryParse(http.Request.Headers["X-Upload-Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return ApiProblem.InvalidParams(new Dictionary<string, string> { ["X-Upload-Content-Length"] = "Should have a valid file size header." });
        }

        var errors = new Dictionary<string, string>();
        var metadata = await VideoUploadMetadata.ReadAsync(http.Request, errors, ct);
        if (string.IsNullOrWhiteSpace(metadata.Filename))
        {
            errors["filename"] = "Should have a valid filename.";
        }

        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        await intake.CheckMetadataAsync(metadata, userId, metadata.Filename, ct);
        if (length == 0)
        {
            return new ApiProblem(422, "The video file is empty.", "video_file_empty");
        }

        var now = clock.GetUtcNow();
        var upload = new ResumableUpload
        {
            Id = RandomNumberGenerator.GetHexString(32, lowercase: true),
            UserId = userId,
            ContentLength = length,
            ContentType = http.Request.Headers["X-Upload-Content-Type"].ToString() is { Length: > 0 } t ? t : null,
            Filename = Path.GetFileName(metadata.Filename!),
            MetadataJson = JsonSerializer.Serialize(metadata, VideoUploadMetadata.Json),
            CreatedAt = now,
            ExpiresAt = now.AddHours(options.Value.ResumableSessionLifetimeHours),
        };
        await intake.ReserveWithinQuotaAsync(upload.UserId, length, async () =>
        {
            db.ResumableUploads.Add(upload);
            return await db.SaveChangesAsync(ct);
        }, ct);
        await File.Create(Path.Combine(paths.ResumableUploads, upload.Id)).DisposeAsync();

        http.Response.Headers.Location = instance.Value.Absolute($"/api/v1/videos/upload-resumable?upload_id={upload.Id}");
        return TypedResults.StatusCode(201);
    }

    public static async Task<IResult> PutChunkAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, VideoIntake intake,
        StoragePaths paths, TimeProvider clock)
    {
        var ct = http.RequestAborted;
        http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize = null;
        var upload = await FindAsync(http, principal, db, clock);
        if (upload is null)
        {
            return new ApiProblem(404, "Upload not found or expired.", "upload_not_found");
        }

        if (upload.VideoId is { } doneVideoId && await db.Videos.FindAsync([doneVideoId], ct) is { } done)
        {
            return TypedResults.Ok(UploadsApi.CreatedBody(done));
        }

        var path = Path.Combine(paths.ResumableUploads, upload.Id);
        var range = ContentRange.Parse(http.Request.Headers[HeaderNames.ContentRange]);
        if (range is null || range.Total != upload.ContentLength)
        {
            return new ApiProblem(400, "Content-Range must be 'bytes start-end/total' with the total announced at creation.", "invalid_content_range");
        }

        FileStream target;
        try
        {
            // Exclusive: two chunks of one upload are never written at once.
            target = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        }
        catch (IOException)
        {
            return new ApiProblem(409, "Another chunk of this upload is being received.", "upload_range_mismatch");
        }

        long received;
        await using (target)
        {
            received = target.Length;
            if (range.IsStatusQuery)
            {
                // A status query on a complete file finishes the upload: a client whose last chunk was stored but
                // whose answer was lost has nothing left to send, and would otherwise get 308 for ever.
                if (received < upload.ContentLength)
                {
                    return Incomplete(http, received);
                }
            }
            else
            {
                if (range.Start != received)
                {
                    Incomplete(http, received);
                    return new ApiProblem(409, $"This chunk starts at byte {range.Start} but the server has {received} bytes. Resume from byte {received}.",
                        "upload_range_mismatch");
                }

                target.Seek(0, SeekOrigin.End);
                await UploadsApi.CopyLimitedAsync(http.Request.Body, target, received, total =>
                {
                    if (total > range.End + 1)
                    {
                        throw new ApiProblemException(new ApiProblem(400, "The chunk is longer than its Content-Range.", "invalid_content_range"));
                    }
                }, ct);
            }
        }

        received = new FileInfo(path).Length;
        if (received < upload.ContentLength)
        {
            return Incomplete(http, received);
        }

        var metadata = JsonSerializer.Deserialize<VideoUploadMetadata>(upload.MetadataJson, VideoUploadMetadata.Json)!;
        try
        {
            var channel = await intake.CheckMetadataAsync(metadata, upload.UserId, upload.Filename, ct);
            var video = await intake.AcceptWithinQuotaAsync(upload.UserId, true, path, upload.Filename, metadata, channel, null, null, ct);
            upload.VideoId = video.Id;
            upload.ExpiresAt = clock.GetUtcNow().AddHours(1);
            await db.SaveChangesAsync(ct);
            return TypedResults.Ok(UploadsApi.CreatedBody(video));
        }
        catch (ApiProblemException)
        {
            // The whole file was refused: the session cannot succeed any more, so nothing of it is kept.
            StorageFiles.DeleteFile(path);
            db.ResumableUploads.Remove(upload);
            await db.SaveChangesAsync(CancellationToken.None);
            throw;
        }
    }

    public static async Task<IResult> CancelAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, StoragePaths paths, TimeProvider clock)
    {
        var upload = await FindAsync(http, principal, db, clock);
        if (upload is null)
        {
            return new ApiProblem(404, "Upload not found or expired.", "upload_not_found");
        }

        db.ResumableUploads.Remove(upload);
        await db.SaveChangesAsync(http.RequestAborted);
        StorageFiles.DeleteFile(Path.Combine(paths.ResumableUploads, upload.Id));
        return TypedResults.NoContent();
    }

    private static async Task<ResumableUpload?> FindAsync(HttpContext http, ClaimsPrincipal principal, AppDbContext db, TimeProvider clock)
    {
        var id = http.Request.Query["upload_id"].ToString();
        var userId = principal.UserId();
        var now = clock.GetUtcNow();
        // Another user's upload id is answered as unknown: ids are not to be probed.
        return id.Length == 0 ? null : await db.ResumableUploads.FirstOrDefaultAsync(u => u.Id == id && u.UserId == userId && u.ExpiresAt > now, http.RequestAborted);
    }

    private static IResult Incomplete(HttpContext http, long received)
    {
        if (received > 0)
        {
            http.Response.Headers[HeaderNames.Range] = $"bytes=0-{received - 1}";
        }

        return TypedResults.StatusCode(308);
    }

    private sealed record ContentRange(long Start, long End, long Total, bool IsStatusQuery)
    {
        public static ContentRange? Parse(string? header)
        {
            if (header is null || !header.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            var spec = header[6..].Trim();
            var slash = spec.IndexOf('/');
            if (slash < 0 || !long.TryParse(spec[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            {
                return null;
            }

            var range = spec[..slash];
            if (range == "*")
            {
                return new ContentRange(0, -1, total, true);
            }

            var dash = range.IndexOf('-');
            if (dash < 0
                || !long.TryParse(range[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !long.TryParse(range[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var end)
                || end < start || end >= total)
            {
                return null;
            }

            return new ContentRange(start, end, total, false);
        }
    }
}
