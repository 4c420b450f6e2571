using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;
using PeerTube.Net.Server.Infrastructure.Jobs;

namespace PeerTube.Net.Server.Features.Transcoding;

public static class TranscodingFeature
{
    public static WebApplicationBuilder AddTranscoding(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TranscodingOptions>().BindConfiguration(TranscodingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TranscodingOptions>>().Value;
            return new FfmpegTools(o.FfmpegPath, o.FfprobePath);
        });
        services.AddSingleton(sp => TranscodingProfile.Load(sp.GetRequiredService<IOptions<TranscodingOptions>>().Value.ResolveProfilePath()));
        services.AddSingleton<IServerConfigContributor, TranscodingConfigPart>();
        services.AddSingleton<MediaProber>();
        services.AddSingleton<FfmpegRunner>();
        services.AddSingleton<RunningTranscodes>();
        services.AddScoped<VideoTranscoder>();
        services.AddScoped<TranscodeVideoJob>();
        services.AddScoped<TranscodingQueue>();
        services.AddTranscodingProgress();
        services.AddVideoEventHandler<TranscodingVideoEvents>();
        services.AddJobQueue(JobsExtensions.TranscodingQueue, sp => sp.GetRequiredService<IOptions<TranscodingOptions>>().Value.Concurrency);
        return builder;
    }

    /// <summary>
    /// Asks ffmpeg for its version and encoders before anything is queued: a missing ffmpeg, or a profile that needs
    /// an encoder this ffmpeg lacks, stops the start with a message, rather than failing every upload later.
    /// </summary>
    public static async Task CheckFfmpegAsync(this WebApplication app)
    {
        var tools = app.Services.GetRequiredService<FfmpegTools>();
        var profile = app.Services.GetRequiredService<TranscodingProfile>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PeerTube.Net.Transcoding");
        FfmpegCapabilities capabilities;
        try
        {
            capabilities = await FfmpegTools.DetectAsync(tools, CancellationToken.None);
        }
        catch (FfmpegFailedException e)
        {
            throw new InvalidOperationException(
                $"Transcoding:FfmpegPath '{tools.FfmpegPath}' did not answer -version/-encoders: {e.Message}", e);
        }

        var missing = profile.MissingEncoders(capabilities);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The transcoding profile needs encoder(s) {string.Join(", ", missing)}, which ffmpeg {capabilities.Version} at "
                + $"'{tools.FfmpegPath}' does not have. Install an ffmpeg build with them, or choose another Transcoding:Profile.");
        }

        log.LogInformation("ffmpeg {Version} at {Path}; the profile's encoders are available", capabilities.Version, tools.FfmpegPath);
    }
}
