using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Infrastructure.Hosting;

/// <summary>The instance's identity and its place on the network: options, the clock, proxies and CORS.</summary>
public static class HostingExtensions
{
    public static WebApplicationBuilder AddInstance(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InstanceOptions>().BindConfiguration(InstanceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CustomConfigStore>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CustomConfigStore>());
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<InstanceOptions>>((o, instance) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.ForwardLimit = 1;
            foreach (var proxy in instance.Value.TrustedProxies)
            {
                if (System.Net.IPAddress.TryParse(proxy, out var address))
                {
                    o.KnownProxies.Add(address);
                }
            }
        });
        // Embeds and players on other sites read our API and media: PeerTube allows any origin.
        builder.Services.AddCors(o => o.AddDefaultPolicy(p => p.AllowAnyOrigin().AllowAnyHeader().AllowAnyMethod()
            .WithExposedHeaders("Content-Range", "Content-Length", "Accept-Ranges", "Location", "Range")));
        return builder;
    }
}
