using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Instance;
using PeerTube.Net.Server.Features.Transcoding;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Storage;

namespace PeerTube.Net.Server.Features.Videos;

public static class VideosFeature
{
    public static WebApplicationBuilder AddVideos(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new VideoUrls(sp.GetRequiredService<IOptions<InstanceOptions>>().Value));
        builder.Services.AddScoped<VideoRemoval>();
        builder.Services.AddSingleton<RecentViewers>();
        return builder;
    }
}

/// <summary>Deletes a video's row first, then its files: a crash in between leaves only unreferenced files.</summary>
public sealed class VideoRemoval(AppDbContext db, StoragePaths paths, Seeding.SeederCatalogSignal seeder)
{
    public async Task RemoveAsync(Video video, CancellationToken ct)
    {
        db.Videos.Remove(video);
        await db.SaveChangesAsync(ct);
        seeder.CatalogChanged();
        TranscodeVideoJob.DeleteDirectory(paths.HlsDirectory(video.Uuid));
        TranscodeVideoJob.DeleteFile(video.SourceFilename is null ? null : paths.SourceFile(video.SourceFilename));
        TranscodeVideoJob.DeleteFile(video.ThumbnailFilename is null ? null : Path.Combine(paths.Thumbnails, video.ThumbnailFilename));
        TranscodeVideoJob.DeleteFile(video.PreviewFilename is null ? null : Path.Combine(paths.Previews, video.PreviewFilename));
        TranscodeVideoJob.DeleteFile(paths.FfmpegLog(video.Uuid));
        foreach (var file in video.StreamingPlaylist?.Files ?? [])
        {
            TranscodeVideoJob.DeleteFile(file.TorrentFilename is null ? null : Path.Combine(paths.Torrents, file.TorrentFilename));
        }
    }
}
