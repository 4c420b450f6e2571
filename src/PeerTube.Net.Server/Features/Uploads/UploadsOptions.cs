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
}
