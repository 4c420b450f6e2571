using Microsoft.Extensions.Options;
using PeerTube.Net.Media;
using PeerTube.Net.Media.Probing;
using PeerTube.Net.Media.Profiles;

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
        services.AddSingleton<MediaProber>();
        services.AddSingleton<FfmpegRunner>();
        services.AddScoped<VideoTranscoder>();
        services.AddScoped<TranscodeVideoJob>();
        services.AddScoped<TranscodingQueue>();
        return builder;
    }
}
