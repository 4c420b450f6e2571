using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Storage;

namespace PeerTube.Net.Server.Infrastructure.Jobs;

public static class JobsExtensions
{
    public const string TranscodingQueue = "transcoding";
    public const string DefaultQueue = "default";

    /// <summary>A Hangfire server of its own for <paramref name="queue"/>, so that its jobs never wait behind others'.</summary>
    public static IServiceCollection AddJobQueue(this IServiceCollection services, string queue, Func<IServiceProvider, int> workerCount) =>
        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:{queue}:{Guid.NewGuid():N}";
            o.Queues = [queue];
            o.WorkerCount = workerCount(sp);
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });

    /// <summary>
    /// Hangfire keeps its jobs in the database's kind of store: PostgreSQL (schema "hangfire") in production, and on
    /// the embedded default a SQLite file of its own next to the app's (Storage:Root/hangfire.db), so that retries and
    /// scheduled jobs survive a restart. The video rows stay the truth: recovery re-enqueues what they say is pending,
    /// and a job that then runs twice finds nothing left to do.
    /// </summary>
    public static WebApplicationBuilder AddJobs(this WebApplicationBuilder builder)
    {
        // Our own storage instance, resolved through DI, so that two servers in one process (tests) never share one.
        builder.Services.AddSingleton<JobStorage>(sp =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (!database.IsPostgres)
            {
                var file = Path.Combine(sp.GetRequiredService<StoragePaths>().Root, "hangfire.db");
                return new SQLiteStorage(file, new SQLiteStorageOptions
                {
                    // The default 15 s would be the latency of every job: the in-memory storage this replaces was instant.
                    QueuePollInterval = TimeSpan.FromMilliseconds(200),
                    // A fetched job not finished within this is handed out again (this storage has no heartbeat): that
                    // is how a crashed run comes back. A long transcoding still running by then meets its own lease.
                    InvisibilityTimeout = TimeSpan.FromMinutes(30),
                });
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
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        // Jobs that commit with the change that calls for them (PendingJobs.cs).
        builder.Services.AddScoped<TransactionalJobs>();
        builder.Services.AddHostedService<PendingJobDispatcher>();

        builder.Services.AddHangfireServer((_, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:default:{Guid.NewGuid():N}";
            o.Queues = [DefaultQueue];
            o.WorkerCount = 2;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        return builder;
    }

    /// <summary>
    /// Hangfire's log provider is one per process: with several hosts in one process (tests) the last one started
    /// wins, and its logger factory is disposed with it, while the SQLite storage of a host still running asks for a
    /// logger with every new connection. Such a late logger is a silent one rather than an ObjectDisposedException.
    /// </summary>
    private sealed class HostLogProvider(ILoggerFactory loggers) : Hangfire.Logging.ILogProvider
    {
        private readonly Hangfire.AspNetCore.AspNetCoreLogProvider _inner = new(loggers);

        public Hangfire.Logging.ILog GetLogger(string name)
        {
            try
            {
                return _inner.GetLogger(name);
            }
            catch (ObjectDisposedException)
            {
                return SilentLog.Instance;
            }
        }
    }

    private sealed class SilentLog : Hangfire.Logging.ILog
    {
        public static readonly SilentLog Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
