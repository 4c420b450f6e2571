using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace PeerTube.Net.Server.Infrastructure.Hosting;

/// <summary>
/// A feature's part of PeerTube's <c>GET /api/v1/config</c> (ServerConfig): it sets the keys it knows about (transcoding,
/// upload limits, the tracker…) on the document the instance feature composes, as features add their parts to a video.
/// </summary>
public interface IServerConfigContributor
{
    Task ContributeAsync(JsonObject config, CancellationToken ct);
}

/// <summary>
/// The admin's runtime settings (PeerTube's <c>/api/v1/config/custom</c>): a JSON document kept in the database, layered over
/// appsettings, read by every node. A save takes effect on this node at once and on the others within
/// <see cref="RefreshInterval"/>, without a restart.
/// </summary>
public sealed partial class CustomConfigStore(IServiceScopeFactory scopes, IOptions<InstanceOptions> instance, IConfiguration configuration, TimeProvider clock,
    ILogger<CustomConfigStore> log)
    : BackgroundService
{
    public const string SettingKey = "config.custom";
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(5);

    private volatile JsonObject _current = [];

    /// <summary>A copy of what the admin set (only the keys they set).</summary>
    public JsonObject Current => (JsonObject)_current.DeepClone();

    /// <summary>PeerTube's whole CustomConfig as it stands: the defaults with the admin's changes over them.</summary>
    public JsonObject Effective => CustomConfigDocument.Effective(CustomConfigDocument.Defaults(instance.Value, configuration), _current);

    /// <summary>A boolean of the effective configuration (<c>Flag("signup", "enabled")</c>).</summary>
    public bool Flag(params string[] path) => Lookup(Effective, path) is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>A number of the effective configuration (<c>Number("signup", "limit")</c>), 0 when absent.</summary>
    public long Number(params string[] path) => Lookup(Effective, path) is JsonValue v && v.TryGetValue<double>(out var d) ? (long)d : 0;

    private static JsonNode? Lookup(JsonNode? node, string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node;
    }

    /// <summary>The instance's name: the admin's, else appsettings' Instance:Name.</summary>
    public string InstanceName => String("instance", "name") ?? instance.Value.Name;

    /// <summary>A string the admin set at <paramref name="path"/>, or null.</summary>
    public string? String(params string[] path) =>
        Node(path) is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s) ? s : null;

    public JsonNode? Node(params string[] path)
    {
        JsonNode? node = _current;
        foreach (var key in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(key, out var child) ? child : null;
        }

        return node;
    }

    public async Task SaveAsync(JsonObject custom, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var json = custom.ToJsonString();
        var row = await db.InstanceSettings.FirstOrDefaultAsync(s => s.Key == SettingKey, ct);
        if (row is null)
        {
            db.InstanceSettings.Add(new InstanceSetting { Key = SettingKey, Value = json });
        }
        else
        {
            row.Value = json;
        }

        await db.SaveChangesAsync(ct);
        _current = (JsonObject)custom.DeepClone();
    }

    public async Task ResetAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings.Where(s => s.Key == SettingKey).ExecuteDeleteAsync(ct);
        _current = [];
    }

    public async Task RefreshAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var value = await scope.ServiceProvider.GetRequiredService<AppDbContext>().InstanceSettings.AsNoTracking()
            .Where(s => s.Key == SettingKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        try
        {
            _current = value is null ? [] : JsonNode.Parse(value) as JsonObject ?? [];
        }
        catch (JsonException e)
        {
            LogUnreadable(log, e.Message);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnreadable(log, e.Message); // The schema may not exist yet: the next refresh reads it.
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogUnreadable(log, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The custom configuration could not be read: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string error);
}
