using System.Collections.Concurrent;
using System.Net;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Media.Hls;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Redundancy;

/// <summary>A copy that cannot be made as announced: its bytes, sizes or documents are wrong. Not retried.</summary>
public sealed class MirrorRefusedException(string message) : Exception(message);

/// <summary>Copies in progress on this node, so that two runs of one copy never write the same files.</summary>
public sealed class MirrorsInProgress
{
    private readonly ConcurrentDictionary<int, byte> _running = new();

    public bool TryStart(int redundancyId) => _running.TryAdd(redundancyId, 0);

    public void Done(int redundancyId) => _running.TryRemove(redundancyId, out _);
}

/// <summary>
/// Makes one copy of a remote video's HLS files: the master and rendition playlists, every fMP4 and the sha256 JSON.
/// Files are downloaded to <c>.part</c> files and resumed with a Range request after an interruption; each is checked
/// against its announced size and every byte range against the origin's sha256 map before it is kept. A copy that does
/// not match is deleted and marked failed, so it is never served. Safe to run twice.
/// </summary>
[AutomaticRetry(Attempts = 5)]
public sealed partial class MirrorVideoJob(
    AppDbContext db,
    IHttpClientFactory httpFactory,
    StoragePaths paths,
    MirrorsInProgress inProgress,
    CacheFileAnnouncer announcer,
    IOptions<RedundancyOptions> options,
    IOptionsMonitor<FederationOptions> federation,
    TimeProvider clock,
    ILogger<MirrorVideoJob> logger)
{
    /// <summary>Largest playlist or sha256 JSON we read.</summary>
    private const int MaxDocumentBytes = 8 * 1024 * 1024;

    public static string Directory(StoragePaths paths, Guid uuid) => Path.Combine(paths.Root, "redundancy", "hls", uuid.ToString());

    public async Task RunAsync(int redundancyId, CancellationToken ct)
    {
        if (!inProgress.TryStart(redundancyId))
        {
            return;
        }

        try
        {
            await CopyAsync(redundancyId, ct);
        }
        finally
        {
            inProgress.Done(redundancyId);
        }
    }

    private async Task CopyAsync(int redundancyId, CancellationToken ct)
    {
        var copy = await db.VideoRedundancies.Include(r => r.Video!).ThenInclude(v => v.StreamingPlaylist!).ThenInclude(p => p.Files)
            .FirstOrDefaultAsync(r => r.Id == redundancyId && r.MirrorHost == null, ct);
        if (copy?.Video is not { } video || copy.State != RedundancyState.Pending)
        {
            return;
        }

        var directory = Directory(paths, video.Uuid);
        try
        {
            if (video.RemotePlaylistUrl is not { } masterUrl || video.RemoteSegmentsSha256Url is not { } shaUrl
                || video.StreamingPlaylist is not { Files.Count: > 0 } playlist)
            {
                throw new MirrorRefusedException("the video has no HLS playlist with a sha256 JSON to copy");
            }

            System.IO.Directory.CreateDirectory(directory);
            var http = httpFactory.CreateClient(FederationHttpClient.ClientName);
            var master = new Uri(masterUrl);
            var shaText = await FetchTextAsync(http, new Uri(shaUrl), ct);
            var hashes = SegmentHashes.Parse(shaText) ?? throw new MirrorRefusedException("the sha256 JSON is not a map of files to byte ranges");
            var masterText = await FetchTextAsync(http, master, ct);
            if (!masterText.StartsWith("#EXTM3U", StringComparison.Ordinal))
            {
                throw new MirrorRefusedException("the master playlist is not an HLS playlist");
            }

            long total = 0;
            foreach (var file in playlist.Files)
            {
                var playlistPath = SafePath(directory, file.PlaylistFilename);
                var filePath = SafePath(directory, file.Filename);
                var renditionText = await FetchTextAsync(http, new Uri(master, file.PlaylistFilename), ct);
                await File.WriteAllTextAsync(playlistPath, renditionText, ct);
                if (!hashes.TryGetValue(file.Filename, out var expected))
                {
                    throw new MirrorRefusedException($"the sha256 JSON has no entry for {file.Filename}");
                }

                if (!File.Exists(filePath))
                {
                    var fileUrl = file.RemoteFileUrl is { } u ? new Uri(u) : new Uri(master, file.Filename);
                    await DownloadAsync(http, fileUrl, filePath + ".part", file.Size, ct);
                    if (await SegmentHashes.VerifyAsync(playlistPath, filePath + ".part", expected, ct) is { } mismatch)
                    {
                        throw new MirrorRefusedException(mismatch);
                    }

                    File.Move(filePath + ".part", filePath, overwrite: true);
                }

                total += new FileInfo(filePath).Length + renditionText.Length;
            }

            await File.WriteAllTextAsync(SafePath(directory, playlist.SegmentsSha256Filename), shaText, ct);
            await File.WriteAllTextAsync(SafePath(directory, playlist.PlaylistFilename), masterText, ct);
            var lifetime = copy.Strategy == "manual" ? 24 * 365 * 100 : options.Value.Strategies.FirstOrDefault(s => s.Strategy == copy.Strategy)?.MinLifetimeHours ?? 25;
            copy.State = RedundancyState.Ready;
            copy.Error = null;
            copy.Size = total + masterText.Length + shaText.Length;
            copy.ExpiresAt = clock.GetUtcNow().AddHours(lifetime);
            await db.SaveChangesAsync(ct);
            LogCopied(video.Uuid, copy.Size);
            await announcer.AnnounceAsync(copy.Id, "Create", ct);
        }
        catch (MirrorRefusedException e)
        {
            DeleteDirectory(directory);
            copy.State = RedundancyState.Failed;
            copy.Error = e.Message;
            await db.SaveChangesAsync(CancellationToken.None);
            LogRefused(video.Uuid, e.Message);
        }
    }

    private static string SafePath(string directory, string name) =>
        StoragePaths.SafeJoin(directory, name) ?? throw new MirrorRefusedException($"'{name}' is not a file name");

    public static void DeleteDirectory(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A reader holds a file open; the next sweep removes what is left.
        }
    }

    /// <summary>GETs a URL, following at most the configured redirects (each re-checked by the guarded connection).</summary>
    private async Task<HttpResponseMessage> GetAsync(HttpClient http, Uri url, long? from, CancellationToken ct)
    {
        var current = url;
        for (var hop = 0; ; hop++)
        {
            if (current.Scheme is not ("http" or "https"))
            {
                throw new MirrorRefusedException($"{current} is not http(s)");
            }

            var request = new HttpRequestMessage(HttpMethod.Get, current);
            if (from > 0)
            {
                request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(from, null);
            }

            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if ((int)response.StatusCode is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                response.Dispose();
                if (hop >= federation.CurrentValue.MaxRedirects)
                {
                    throw new MirrorRefusedException($"too many redirects from {url}");
                }

                current = new Uri(current, location);
                continue;
            }

            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone or HttpStatusCode.Forbidden)
            {
                response.Dispose();
                throw new MirrorRefusedException($"{current} answered {(int)response.StatusCode}");
            }

            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new HttpRequestException($"{current} answered {(int)response.StatusCode}"); // transient: retried
            }

            return response;
        }
    }

    private async Task<string> FetchTextAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        using var response = await GetAsync(http, url, null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                throw new MirrorRefusedException($"{url} is larger than {MaxDocumentBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Appends to the .part file from where it stopped; refuses a file that grows past its announced size.</summary>
    private async Task DownloadAsync(HttpClient http, Uri url, string partPath, long announcedSize, CancellationToken ct)
    {
        var slack = options.Value.SizeSlack;
        var limit = announcedSize > 0 ? (long)(announcedSize * (1 + slack)) + 64 * 1024 : 16L * 1024 * 1024 * 1024;
        var have = File.Exists(partPath) ? new FileInfo(partPath).Length : 0;
        using var response = await GetAsync(http, url, have, ct);
        var resumed = have > 0 && response.StatusCode == HttpStatusCode.PartialContent;
        await using (var output = new FileStream(partPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                if (output.Length + read > limit)
                {
                    throw new MirrorRefusedException($"{url} is larger than its announced {announcedSize} bytes");
                }

                await output.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        var size = new FileInfo(partPath).Length;
        if (announcedSize > 0 && Math.Abs(size - announcedSize) > announcedSize * slack + 64 * 1024)
        {
            throw new MirrorRefusedException($"{url} is {size} bytes, announced as {announcedSize}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Copied video {Uuid} for redundancy ({Size} bytes)")]
    private partial void LogCopied(Guid uuid, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of video {Uuid} refused: {Reason}")]
    private partial void LogRefused(Guid uuid, string reason);
}
