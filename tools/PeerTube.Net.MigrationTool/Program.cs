// Adds an EF Core migration for both providers, as `dotnet ef migrations add` would (the dotnet-ef tool is not
// in the package registry we reach). Usage, from the repository root:
//   dotnet run --project tools/PeerTube.Net.MigrationTool -- add <MigrationName>
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Infrastructure.Data;

if (args is not ["add", var name])
{
    Console.Error.WriteLine("usage: dotnet run --project tools/PeerTube.Net.MigrationTool -- add <MigrationName>");
    return 2;
}

var root = Directory.GetCurrentDirectory();
while (!File.Exists(Path.Combine(root, "PeerTube.Net.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Run this from inside the repository.");
}

var serverDirectory = Path.Combine(root, "src", "PeerTube.Net.Server");
var serverAssembly = typeof(AppDbContext).Assembly;
var reporter = new OperationReporter(new OperationReportHandler(
    error => Console.Error.WriteLine("error: " + error),
    warning => Console.WriteLine("warning: " + warning),
    info => Console.WriteLine(info),
    _ => { }));

var contexts = new (string Provider, Func<DbContext> Create)[]
{
    ("Sqlite", () =>
    {
        var options = new DbContextOptionsBuilder<SqliteAppDbContext>();
        DatabaseExtensions.ConfigureSqlite(options, "Data Source=:memory:");
        return new SqliteAppDbContext(options.Options);
    }),
    ("Postgres", () =>
    {
        var options = new DbContextOptionsBuilder<PostgresAppDbContext>();
        DatabaseExtensions.ConfigurePostgres(options, "Host=localhost");
        return new PostgresAppDbContext(options.Options);
    }),
};

foreach (var (provider, create) in contexts)
{
    using var context = create();
    var services = new DesignTimeServicesBuilder(serverAssembly, serverAssembly, reporter, []).Build(context);
    var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();
    var migration = scaffolder.ScaffoldMigration(name, "PeerTube.Net.Server", $"Infrastructure.Data.Migrations.{provider}", "C#");
    var files = scaffolder.Save(serverDirectory, migration, Path.Combine(serverDirectory, "Infrastructure", "Data", "Migrations", provider));
    Console.WriteLine($"{provider}: {Path.GetRelativePath(root, files.MigrationFile!)}");
}

return 0;
