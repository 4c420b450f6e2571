namespace PeerTube.Net.Server.Features.Torrents;

/// <summary>A video's torrents follow its life: re-made when the privacy changes, deleted with it.</summary>
internal sealed class TorrentsVideoEvents(TorrentsQueue queue, StoragePaths paths, TorrentCatalogSignal catalog) : IVideoEventHandler
{
    public Task PrivacyChangedAsync(int videoId, CancellationToken ct)
    {
        // Web seeds are only for videos anyone may fetch, and peers only for videos in the catalog: the torrents follow
        // the privacy (new info-hashes from the salt the change gave, ADR 005).
        queue.PrivacyChanged(videoId);
        return Task.CompletedTask;
    }

    public Task DeletedAsync(Video video, CancellationToken ct)
    {
        catalog.CatalogChanged();
        foreach (var file in video.StreamingPlaylist?.Files ?? [])
        {
            StorageFiles.DeleteFile(file.TorrentFilename is null ? null : Path.Combine(paths.Torrents, file.TorrentFilename));
        }

        return Task.CompletedTask;
    }
}

/// <summary>The torrents' part of VideoDetails: the trackers, and each of our renditions' torrent and magnet.</summary>
internal sealed class TorrentsDetailsPart(VideoTorrents torrents, VideoUrls urls) : IVideoDetailsPart
{
    public Task AddToAsync(VideoDetails details, CancellationToken ct)
    {
        details.Json["trackerUrls"] = new[] { torrents.HttpTrackerUrl, torrents.WebSocketTrackerUrl };
        foreach (var (file, json) in details.HlsFiles)
        {
            if (file.RemoteTorrentUrl is null && file.TorrentFilename is { } name)
            {
                json["torrentUrl"] = urls.Torrent(name);
                json["torrentDownloadUrl"] = urls.TorrentDownload(name);
                json["magnetUri"] = torrents.MagnetUri(details.Video, file);
            }
        }

        return Task.CompletedTask;
    }
}
