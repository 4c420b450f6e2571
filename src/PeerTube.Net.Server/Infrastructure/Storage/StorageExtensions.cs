namespace PeerTube.Net.Server.Infrastructure.Storage;

public static class StorageExtensions
{
    public static WebApplicationBuilder AddStorage(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StoragePaths>();
        builder.Services.AddSingleton<Auth.SecretBox>();
        return builder;
    }
}
