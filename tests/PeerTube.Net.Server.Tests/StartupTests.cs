using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("Instance:PublicUrl", "not a url", "Instance:PublicUrl")]
    [InlineData("Instance:PublicUrl", "https://videos.example.org/some/path", "Instance:PublicUrl")]
    [InlineData("Database:Provider", "mysql", "Database:Provider")]
    [InlineData("Transcoding:Profile", "no-such-profile.json", "Transcoding:Profile")]
    [InlineData("Transcoding:Concurrency", "0", "Concurrency")]
    [InlineData("Transcoding:Limits:MaxDurationSeconds", "0", "Transcoding:Limits")]
    [InlineData("Transcoding:Limits:StallTimeoutSeconds", "0", "StallTimeoutSeconds")]
    [InlineData("RateLimits:Login:PermitLimit", "0", "PermitLimit")]
    [InlineData("Transcoding:FfmpegPath", "/nonexistent/ffmpeg", "ffmpeg")]
    [InlineData("Instance:TrustedProxies:0", "not-an-ip", "TrustedProxies")]
    [InlineData("Redis:Configuration", "127.0.0.1:6379,nosuchoption=1", "Redis:Configuration")]
    [InlineData("Redis:ChannelPrefix", "two words", "Redis:ChannelPrefix")]
    [InlineData("Redis:SwarmPeerTtlSeconds", "1", "SwarmPeerTtlSeconds")]
    [InlineData("P2P:MaxPeers", "1", "MaxPeers")]
    [InlineData("P2P:MaxPeers", "1000", "MaxPeers")]
    [InlineData("Live:Transcoding:Resolutions:0", "100", "Live:Transcoding:Resolutions")]
    [InlineData("Live:Rtmps:Enabled", "true", "Live:Rtmps:CertFile")]
    public async Task A_bad_setting_stops_the_boot_with_a_message_naming_it(string key, string value, string named)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?> { [key] = value });
        });

        Assert.NotNull(error);
        Assert.Contains(named, error.ToString());
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_stops_the_boot_with_a_message()
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
            {
                ["Database:Provider"] = "postgres",
                ["ConnectionStrings:Default"] = "",
            });
        });

        Assert.NotNull(error);
        Assert.Contains("ConnectionStrings:Default", error.ToString());
    }

    [Fact]
    public async Task The_embedded_default_keeps_its_database_under_the_storage_root()
    {
        await using var server = await ServerApplication.StartAsync(DatabaseKind.Sqlite);
        Assert.True(File.Exists(server.StoragePath("peertube.db")));
    }

    [Fact]
    public void Both_providers_have_migrations_for_the_whole_model()
    {
        var sqlite = new DbContextOptionsBuilder<SqliteAppDbContext>();
        DatabaseExtensions.ConfigureSqlite(sqlite, "Data Source=:memory:");
        using var sqliteContext = new SqliteAppDbContext(sqlite.Options);
        Assert.NotEmpty(sqliteContext.Database.GetMigrations());
        Assert.False(sqliteContext.Database.HasPendingModelChanges(), "SQLite: run tools/PeerTube.Net.MigrationTool to add a migration");

        var postgres = new DbContextOptionsBuilder<PostgresAppDbContext>();
        DatabaseExtensions.ConfigurePostgres(postgres, "Host=localhost");
        using var postgresContext = new PostgresAppDbContext(postgres.Options);
        Assert.NotEmpty(postgresContext.Database.GetMigrations());
        Assert.False(postgresContext.Database.HasPendingModelChanges(), "PostgreSQL: run tools/PeerTube.Net.MigrationTool to add a migration");
    }
}
