using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace PeerTube.Net.Server.Infrastructure.Data;

/// <summary>
/// The model, shared by both providers. Each provider has its own subclass so that it can carry its own
/// migrations (see docs/adr/001-two-providers.md). The context knows no feature: each feature configures its own
/// entities (an <see cref="IEntityTypeConfiguration{TEntity}"/> next to them) and offers its sets as extension
/// properties, such as <c>db.Videos</c>. Inside a query's lambda, where C# allows no extension property, a set is
/// written <c>db.Set&lt;T&gt;()</c>.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<InstanceSetting> InstanceSettings => Set<InstanceSetting>();

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.UseOpenIddict();
        b.Entity<InstanceSetting>(e => e.HasKey(s => s.Key));
        b.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }
}

public sealed class SqliteAppDbContext(DbContextOptions<SqliteAppDbContext> options) : AppDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no timestamp type; storing ticks keeps ordering and comparisons in SQL.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
