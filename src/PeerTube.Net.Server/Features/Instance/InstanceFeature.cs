using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Infrastructure.Storage;

namespace PeerTube.Net.Server.Features.Instance;

public static class InstanceFeature
{
    public static WebApplicationBuilder AddInstance(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InstanceOptions>().BindConfiguration(InstanceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
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

    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StoragePaths>();
        return builder;
    }

    public static IEndpointRouteBuilder MapInstanceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/ping", () => TypedResults.Text("pong"));
        app.MapGet("/api/v1/config", (IOptions<InstanceOptions> instance) => TypedResults.Ok(new
        {
            instance = new { name = instance.Value.Name },
            serverVersion = "6.3.0",
            serverCommit = "peertube-net",
        }));
        return app;
    }
}
