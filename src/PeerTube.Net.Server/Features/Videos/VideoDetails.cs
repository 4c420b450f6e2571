using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// PeerTube's VideoDetails JSON while it is being composed: the video model writes its own fields, then each feature's
/// <see cref="IVideoDetailsPart"/> adds its part (torrents, swarm ids, redundancies, and later captions, live and
/// playlists). The model never calls out to those features.
/// </summary>
public sealed class VideoDetails(Video video, ClaimsPrincipal viewer, Dictionary<string, object?> json)
{
    public Video Video { get; } = video;

    /// <summary>Who asked: a part may show more to the owner or a moderator.</summary>
    public ClaimsPrincipal Viewer { get; } = viewer;

    public Dictionary<string, object?> Json { get; } = json;

    /// <summary>Each HLS rendition with its entry in <c>files</c> (and in the playlist's <c>files</c>: the same object).</summary>
    public IReadOnlyList<(VideoFile File, Dictionary<string, object?> Json)> HlsFiles { get; init; } = [];

    /// <summary>The HLS entry of <c>streamingPlaylists</c>, when the video has one.</summary>
    public Dictionary<string, object?>? StreamingPlaylist { get; init; }
}

/// <summary>A feature's part of the video as the API shows it.</summary>
public interface IVideoDetailsPart
{
    Task AddToAsync(VideoDetails details, CancellationToken ct);
}

/// <summary>Composes <see cref="VideoDetails"/>: the model's fields, then every registered part, in registration order.</summary>
public sealed class VideoDetailsComposer(IOptions<InstanceOptions> instance, VideoUrls urls, VideoViewers viewers, IEnumerable<IVideoDetailsPart> parts)
{
    /// <param name="video">Loaded with <see cref="VideoAccess.WithDetails"/>.</param>
    public async Task<Dictionary<string, object?>> ComposeAsync(Video video, ClaimsPrincipal viewer, CancellationToken ct)
    {
        var v = video;
        var d = VideoDtos.Summary(v, instance.Value, urls, viewer);
        d["viewers"] = viewers.CountOf(v.Id);
        d["description"] = v.Description;
        d["descriptionPath"] = $"/api/v1/videos/{v.Uuid}/description";
        d["support"] = v.Support;
        d["tags"] = v.Tags;
        d["commentsEnabled"] = v.CommentsPolicy != 2;
        d["commentsPolicy"] = VideoDtos.Constant(VideoConstants.CommentsPolicies, v.CommentsPolicy);
        d["downloadEnabled"] = v.DownloadEnabled;
        d["channel"] = AccountDtos.Channel(v.Channel!, instance.Value);
        d["trackerUrls"] = Array.Empty<string>();
        d["inputFileUpdatedAt"] = null;
        // PeerTube's scheduledUpdate: when the video publishes itself, and as what; only its owner and moderators see it.
        d["scheduledUpdate"] = v.ScheduledUpdateAt is { } at && VideoAccess.IsOwnerOrModerator(v.Channel?.Account?.UserId, viewer)
            ? new Dictionary<string, object?> { ["updateAt"] = at, ["privacy"] = (int)(v.ScheduledPrivacy ?? VideoPrivacy.Public) }
            : null;

        var playlist = v.StreamingPlaylist;
        var hlsFiles = playlist?.Files.OrderByDescending(f => f.Resolution).Select(f => (f, VideoDtos.File(v, f, urls))).ToList() ?? [];
        var files = hlsFiles.Select(f => f.Item2).ToList();
        // PeerTube lists web-video files here. We make only HLS files, and they are what clients download; until the
        // ladder exists, the original upload is the one file there is (as on PeerTube, whose CLI waits on files[0]).
        // A remote video without HLS lists its origin's web videos, as PeerTube does.
        if (files.Count == 0)
        {
            files = v.RemoteWebVideos().Select(VideoDtos.WebVideoFile).ToList();
        }

        // The original is served to its owner and the moderators only, so only they see its URL.
        d["files"] = files.Count > 0 || !VideoAccess.IsOwnerOrModerator(v.Channel?.Account?.UserId, viewer) ? files
            : VideoDtos.SourceFile(v, urls) is { } source ? [source] : files;
        var hls = playlist is null
            ? null
            : new Dictionary<string, object?>
            {
                ["id"] = playlist.Id,
                ["type"] = 1,
                ["playlistUrl"] = urls.Hls(v, playlist.PlaylistFilename),
                ["segmentsSha256Url"] = urls.Hls(v, playlist.SegmentsSha256Filename),
                ["p2pMediaLoaderInfohashes"] = Array.Empty<string>(),
                ["redundancies"] = Array.Empty<object>(),
                ["files"] = files,
            };
        d["streamingPlaylists"] = hls is null ? Array.Empty<object>() : new object[] { hls };

        var details = new VideoDetails(v, viewer, d) { HlsFiles = hlsFiles, StreamingPlaylist = hls };
        foreach (var part in parts)
        {
            await part.AddToAsync(details, ct);
        }

        return d;
    }
}
