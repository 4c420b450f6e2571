using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Infrastructure.Data;

public static class DatabaseExtensions
{
    public static WebApplicationBuilder AddDatabase(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .Validate(o => !o.IsPostgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Database:Provider is 'postgres' but ConnectionStrings:Default is empty. Set it, e.g. "
                + "ConnectionStrings__Default='Host=localhost;Database=peertube;Username=peertube;Password=...'.")
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DatabaseOptions>().Configure<IConfiguration>((o, config) => o.ConnectionString = config.GetConnectionString("Default"));

        // Both contexts are registered; the options decide, at resolve time, which one is "the" AppDbContext.
        services.AddDbContext<PostgresAppDbContext>((sp, o) =>
            ConfigurePostgres(o, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString ?? ""));
        services.AddDbContext<SqliteAppDbContext>((sp, o) =>
        {
            var cs = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString;
            ConfigureSqlite(o, string.IsNullOrWhiteSpace(cs)
                ? $"Data Source={Path.Combine(sp.GetRequiredService<StoragePaths>().Root, "peertube.db")}"
                : cs);
        });
        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.IsPostgres
            ? sp.GetRequiredService<PostgresAppDbContext>()
            : sp.GetRequiredService<SqliteAppDbContext>());
        return builder;
    }

    public static void ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, n => n.MigrationsHistoryTable("__ef_migrations_history"));

    public static void ConfigureSqlite(DbContextOptionsBuilder o, string connectionString) =>
        // Several writers (requests, jobs) share the file: wait for locks rather than failing at once.
        o.UseSqlite(connectionString + (connectionString.Contains("Default Timeout", StringComparison.OrdinalIgnoreCase) ? "" : ";Default Timeout=30"),
            s => s.MigrationsHistoryTable("__ef_migrations_history"));

    /// <summary>Applies the provider's migrations before anything else touches the database.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        // Start-up steps run before the host starts, so check every option first: a bad value fails here, clearly.
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while a job writes.
            await db.Database.OpenConnectionAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
            await db.Database.CloseConnectionAsync();
        }

        await db.Database.MigrateAsync();
    }
}
