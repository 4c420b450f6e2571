using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace PeerTube.Net.Server.Tests.Infrastructure;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// One real server in memory: its own storage folder, its own database (a SQLite file, or a fresh database in the
/// throwaway PostgreSQL cluster the test command starts), real ffmpeg and real jobs.
/// </summary>
public sealed class ServerApplication : WebApplicationFactory<Program>
{
    public const string RootPassword = "root-password-for-tests";
    public const string PostgresVariable = "PEERTUBE_TEST_POSTGRES";

    private readonly Dictionary<string, string?> _settings;
    private Action<IServiceCollection>? _services;
    private string? _postgresDatabase;

    private ServerApplication(DatabaseKind database, Dictionary<string, string?> settings)
    {
        Database = database;
        StorageRoot = Path.Combine(Path.GetTempPath(), "peertube-net-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(StorageRoot);
        _settings = new Dictionary<string, string?>
        {
            ["Storage:Root"] = StorageRoot,
            ["Instance:PublicUrl"] = "http://localhost",
            ["Database:Provider"] = database == DatabaseKind.Postgres ? "postgres" : "sqlite",
            ["PT_INITIAL_ROOT_PASSWORD"] = RootPassword,
            ["Logging:LogLevel:Default"] = "Warning",
            // Every test server has its own RTMP ingest: a free port, loopback only.
            ["Live:Rtmp:Port"] = "0",
            ["Live:Rtmp:ListenOnAllInterfaces"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    public DatabaseKind Database { get; }
    public string StorageRoot { get; }

    /// <param name="services">Test-only services (a log sink, a fake), registered after the server's own.</param>
    public static async Task<ServerApplication> StartAsync(DatabaseKind database, IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var app = new ServerApplication(database, new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()))
        {
            _services = services,
        };
        if (database == DatabaseKind.Postgres)
        {
            app._postgresDatabase = "pt_test_" + Guid.NewGuid().ToString("N")[..16];
            await using var admin = new NpgsqlConnection(PostgresAdminConnectionString());
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{app._postgresDatabase}\"", admin);
            await create.ExecuteNonQueryAsync();
            app._settings["ConnectionStrings:Default"] =
                new NpgsqlConnectionStringBuilder(PostgresAdminConnectionString()) { Database = app._postgresDatabase }.ConnectionString;
        }

        // Building the host runs Program: migrations, the root account, recovery.
        _ = app.Server;
        return app;
    }

    public static string PostgresAdminConnectionString() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set. Run the tests with `bash scripts/test.sh`, which starts a throwaway PostgreSQL and sets it.");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is { } services)
        {
            builder.ConfigureServices(services);
        }
    }

    public string StoragePath(params string[] parts) => Path.Combine([StorageRoot, .. parts]);

    /// <summary>Files left in the folders that must be empty once nothing is in flight.</summary>
    public IReadOnlyList<string> LeftoverTemporaryFiles() =>
        new[] { StoragePath("tmp", "uploads"), StoragePath("tmp", "transcode"), StoragePath("sources") }
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFileSystemEntries(d, "*", SearchOption.AllDirectories))
            .ToList();

    private static async Task DropDatabaseAsync(string database)
    {
        try
        {
            await using var admin = new NpgsqlConnection(PostgresAdminConnectionString());
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The throwaway cluster goes away with the test run anyway.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            // A drop takes about a second; the next test need not wait for it.
            _ = DropDatabaseAsync(_postgresDatabase);
        }

        try
        {
            Directory.Delete(StorageRoot, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a stopping process; the OS temp cleaner will get it.
        }
    }
}
