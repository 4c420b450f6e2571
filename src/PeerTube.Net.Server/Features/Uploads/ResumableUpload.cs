namespace PeerTube.Net.Server.Features.Uploads;

/// <summary>A resumable upload in progress: the bytes live in tmp/resumable-uploads/&lt;Id&gt;.</summary>
public sealed class ResumableUpload
{
    public required string Id { get; set; }
    public int UserId { get; set; }
    public long ContentLength { get; set; }
    public string? ContentType { get; set; }
    public required string Filename { get; set; }

    /// <summary>The JSON body of the initial POST: the video's metadata.</summary>
    public required string MetadataJson { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Set once the last chunk made a video, so a retried last PUT answers the same way.</summary>
    public int? VideoId { get; set; }
}
