using System.ComponentModel.DataAnnotations;

namespace PeerTube.Net.Server.Features.Uploads;

public sealed class UploadsOptions
{
    public const string Section = "Uploads";

    /// <summary>The largest video file accepted, in bytes (PeerTube's default is 8 GiB... per its nginx config).</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSizeBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>How long an unfinished resumable upload is kept.</summary>
    [Range(1, 24 * 30)]
    public int ResumableSessionLifetimeHours { get; set; } = 24;

    /// <summary>Largest thumbnail or preview image accepted with an upload.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public long MaxImageSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parts of a multipart form (fields and files) accepted in one request; PeerTube's upload form has a few dozen.</summary>
    [Range(8, 10_000)]
    public int MaxFormFields { get; set; } = 200;

    /// <summary>Longest form field value, in bytes (a 10 000-character description in 4-byte UTF-8 fits).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxFormFieldBytes { get; set; } = 64 * 1024;

    /// <summary>Headers one multipart section may carry.</summary>
    [Range(2, 1000)]
    public int MaxMultipartHeaders { get; set; } = 16;

    /// <summary>Total size of one multipart section's headers, in bytes.</summary>
    [Range(256, 1024 * 1024)]
    public int MaxMultipartHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// The largest multipart body: a video of the maximum size, two images and every field at its longest. Not set
    /// on its own, so it cannot disagree with <see cref="MaxFileSizeBytes"/>.
    /// </summary>
    public long MaxMultipartBodyBytes =>
        MaxFileSizeBytes + 2 * MaxImageSizeBytes + (long)MaxFormFields * (MaxFormFieldBytes + MaxMultipartHeaderBytes);
}
