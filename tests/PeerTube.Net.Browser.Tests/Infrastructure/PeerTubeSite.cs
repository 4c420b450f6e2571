using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// A class fixture: our real server as a process on a loopback port (SQLite, its own storage, no seeder) and one Chromium,
/// shared by the stories of a class. Videos the stories need are published through the API once, on first use.
/// </summary>
public class PeerTubeSite : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, Task<PublishedVideo>> _videos = [];
    private PeerTubeClient? _root;

    public ServerProcess Server { get; } = new(new Dictionary<string, string>
    {
        ["Seeding:Enabled"] = "false",
        ["Uploads:MaxFileSizeBytes"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public Chromium Chromium { get; } = new();
    public string BaseUrl => Server.BaseUrl;
    public PeerTubeClient Root => _root ?? throw new InvalidOperationException("the site is not started");

    public async ValueTask InitializeAsync()
    {
        await Chromium.InitializeAsync();
        await Server.StartAsync();
        _root = await Server.LoginAsRootAsync();
    }

    /// <summary>
    /// Uploads a lavfi-made video as root through the API and waits until it is published; the same key gives the same video.
    /// </summary>
    public async Task<PublishedVideo> PublishedVideoAsync(string key, int width, int height, double seconds, int privacy = 1)
    {
        Task<PublishedVideo> task;
        await _gate.WaitAsync();
        try
        {
            if (!_videos.TryGetValue(key, out task!))
            {
                task = PublishAsync($"{key} ({width}x{height})", width, height, seconds, privacy);
                _videos[key] = task;
            }
        }
        finally
        {
            _gate.Release();
        }

        return await task;
    }

    private async Task<PublishedVideo> PublishAsync(string name, int width, int height, double seconds, int privacy)
    {
        var file = await TestMedia.VideoAsync(width, height, seconds);
        var uploaded = await Root.UploadVideoAsync(file, name, new Dictionary<string, string>
        {
            ["privacy"] = privacy.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["description"] = "Made by the browser stories with ffmpeg's *testsrc2*.",
            ["tags[0]"] = "browser",
        });
        var uuid = uploaded.GetProperty("uuid").GetString()!;
        var video = await Root.WaitForTranscodingAsync(uuid);
        Assert.True(video.GetProperty("state").GetProperty("id").GetInt32() == 1,
            $"the video '{name}' should be published after transcoding, but its state is {video.GetProperty("state")}");
        var playlist = video.GetProperty("streamingPlaylists")[0];
        var renditions = playlist.GetProperty("files").EnumerateArray()
            .Where(f => f.GetProperty("resolution").GetProperty("id").GetInt32() > 0)
            .Select(f => new Rendition(f.GetProperty("resolution").GetProperty("id").GetInt32(), f.GetProperty("fileUrl").GetString()!))
            .OrderByDescending(r => r.Height)
            .ToList();
        return new PublishedVideo(uuid, video.GetProperty("shortUUID").GetString()!, video.GetProperty("id").GetInt32(), name,
            playlist.GetProperty("playlistUrl").GetString()!, renditions);
    }

    /// <summary>What the API says about a video now, as root.</summary>
    public async Task<JsonElement> VideoAsync(string id)
    {
        var response = await Root.Http.GetAsync($"/api/v1/videos/{id}");
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async ValueTask DisposeAsync()
    {
        _root?.Dispose();
        await Server.DisposeAsync();
        await Chromium.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed record Rendition(int Height, string FileUrl);

public sealed record PublishedVideo(string Uuid, string ShortUuid, int Id, string Name, string MasterPlaylistUrl, IReadOnlyList<Rendition> Renditions)
{
    public string WatchPath => $"/w/{ShortUuid}";
}
