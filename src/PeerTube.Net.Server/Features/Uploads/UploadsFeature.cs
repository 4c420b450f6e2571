using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Transcoding;

namespace PeerTube.Net.Server.Features.Uploads;

public static class UploadsFeature
{
    public static WebApplicationBuilder AddUploads(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadsOptions>().BindConfiguration(UploadsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<UploadQuotaGate>();
        builder.Services.AddScoped<VideoIntake>();
        // Every form the server reads (ReadFormAsync anywhere) is bounded like the upload form.
        builder.Services.AddOptions<Microsoft.AspNetCore.Http.Features.FormOptions>().Configure<Microsoft.Extensions.Options.IOptions<UploadsOptions>>(
            (form, uploads) =>
            {
                var limits = uploads.Value;
                form.ValueCountLimit = limits.MaxFormFields;
                form.ValueLengthLimit = limits.MaxFormFieldBytes;
                form.MultipartHeadersCountLimit = limits.MaxMultipartHeaders;
                form.MultipartHeadersLengthLimit = limits.MaxMultipartHeaderBytes;
                form.MultipartBodyLengthLimit = limits.MaxMultipartBodyBytes;
            });
        builder.Services.AddVideoEventHandler<UploadsVideoEvents>();
        builder.Services.AddScoped<Accounts.IUserRemovalHandler, UploadsUserRemoval>();
        builder.Services.AddHostedService<ExpiredUploadsSweeper>();
        return builder;
    }
}

/// <summary>Removes resumable uploads nobody finished in time, with their bytes.</summary>
internal sealed class ExpiredUploadsSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ExpiredUploadsSweeper> log) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await SweepAsync(scopes, clock, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Sweeping expired uploads failed; will try again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public static async Task<int> SweepAsync(IServiceScopeFactory scopes, TimeProvider clock, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var paths = scope.ServiceProvider.GetRequiredService<StoragePaths>();
        var now = clock.GetUtcNow();
        var expired = await db.ResumableUploads.Where(u => u.ExpiresAt <= now).ToListAsync(ct);
        foreach (var upload in expired)
        {
            StorageFiles.DeleteFile(Path.Combine(paths.ResumableUploads, upload.Id));
        }

        db.ResumableUploads.RemoveRange(expired);
        await db.SaveChangesAsync(ct);

        // Bytes whose session row is gone (a crash between the two steps above) go too.
        var known = (await db.ResumableUploads.Select(u => u.Id).ToListAsync(ct)).ToHashSet();
        var stale = now.UtcDateTime.AddHours(-1);
        foreach (var file in Directory.EnumerateFiles(paths.ResumableUploads)
                     .Where(f => !known.Contains(Path.GetFileName(f)) && File.GetLastWriteTimeUtc(f) < stale))
        {
            File.Delete(file);
        }

        return expired.Count;
    }
}
