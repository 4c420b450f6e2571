using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Features.Transcoding;

/// <summary>
/// Start-up repair, run before the job workers start: the database says which videos still need work, so
/// anything this node was doing when it died is released and queued again, and files nobody refers to go.
/// </summary>
public static class TranscodingRecovery
{
    public static async Task RecoverTranscodingAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<AppDbContext>();
        var paths = sp.GetRequiredService<StoragePaths>();
        var nodeId = sp.GetRequiredService<IOptions<InstanceOptions>>().Value.NodeId;
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("PeerTube.Net.Transcoding.Recovery");

        KillOrphanedFfmpeg(paths.TranscodeWork, log);

        // Our own leases from an earlier boot are dead: this process has just started.
        var prefix = nodeId + "/";
        var released = await db.Videos.Where(v => v.LeaseOwner != null && v.LeaseOwner.StartsWith(prefix))
            .ExecuteUpdateAsync(s => s.SetProperty(v => v.LeaseOwner, (string?)null).SetProperty(v => v.LeaseExpiresAt, (DateTimeOffset?)null));

        var pending = await db.Videos.Where(v => v.State == VideoState.ToTranscode).Select(v => new { v.Id, v.Uuid }).ToListAsync();
        var pendingUuids = pending.Select(p => p.Uuid.ToString()).ToHashSet();

        foreach (var dir in Directory.EnumerateDirectories(paths.TranscodeWork))
        {
            // A pending video's directory may belong to another node's live job; its own next run cleans it.
            if (!pendingUuids.Contains(Path.GetFileName(dir)))
            {
                StorageFiles.DeleteDirectory(dir);
            }
        }

        var referencedSources = (await db.Videos.Where(v => v.SourceFilename != null).Select(v => v.SourceFilename!).ToListAsync()).ToHashSet();
        foreach (var file in Directory.EnumerateFiles(paths.Sources).Where(f => !referencedSources.Contains(Path.GetFileName(f))))
        {
            File.Delete(file);
        }

        foreach (var dir in Directory.EnumerateDirectories(paths.Uploads))
        {
            StorageFiles.DeleteDirectory(dir);
        }

        foreach (var file in Directory.EnumerateFiles(paths.Uploads))
        {
            File.Delete(file);
        }

        var queue = sp.GetRequiredService<TranscodingQueue>();
        foreach (var video in pending)
        {
            queue.Enqueue(video.Id);
        }

        if (pending.Count > 0 || released > 0)
        {
            log.LogInformation("Recovery: released {Released} stale leases, queued {Count} videos for transcoding", released, pending.Count);
        }
    }

    /// <summary>A killed server leaves its ffmpeg children running; they would keep writing into our work directories.</summary>
    private static void KillOrphanedFfmpeg(string workRoot, ILogger log)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        foreach (var procDir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(procDir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("ffmpeg", StringComparison.Ordinal) && cmdline.Contains(workRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    using var process = System.Diagnostics.Process.GetProcessById(pid);
                    process.Kill();
                    log.LogWarning("Killed orphaned ffmpeg process {Pid} from an earlier run", pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException
                                          or System.ComponentModel.Win32Exception)
            {
                // The process ended meanwhile, or is not ours to read.
            }
        }
    }
}
