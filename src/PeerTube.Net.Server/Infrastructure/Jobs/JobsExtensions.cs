using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Infrastructure.Jobs;

public static class JobsExtensions
{
    public const string TranscodingQueue = "transcoding";
    public const string DefaultQueue = "default";

    /// <summary>
    /// Hangfire keeps its jobs in PostgreSQL in production. The embedded default keeps them in memory: nothing is
    /// lost on a restart because the video rows are the truth and recovery re-enqueues what they say is pending.
    /// </summary>
    /// <summary>A Hangfire server of its own for <paramref name="queue"/>, so that its jobs never wait behind others'.</summary>
    public static IServiceCollection AddJobQueue(this IServiceCollection services, string queue, Func<IServiceProvider, int> workerCount) =>
        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:{queue}:{Guid.NewGuid():N}";
            o.Queues = [queue];
            o.WorkerCount = workerCount(sp);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });

    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        // Our own storage instance, resolved through DI, so that two servers in one process (tests) never share one.
        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (!database.IsPostgres)
            {
                return new InMemoryStorage();
            }

            var options = new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = TimeSpan.FromSeconds(1),
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString!, options), options);
        });
        builder.Services.AddHangfire((sp, config) => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        builder.Services.AddHangfireServer((_, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:default:{Guid.NewGuid():N}";
            o.Queues = [DefaultQueue];
            o.WorkerCount = 2;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return builder;
    }
}
