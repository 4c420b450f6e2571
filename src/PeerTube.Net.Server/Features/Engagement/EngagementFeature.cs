using PeerTube.Net.Server.Features.Federation.Discovery;
using PeerTube.Net.Server.Features.Federation.Inbound;
using System.Text.Json;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>Engagement with videos: likes, dislikes and comments, on ours and on remote ones, in PeerTube's API shapes.</summary>
public static class EngagementFeature
{
    public static WebApplicationBuilder AddEngagement(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddScoped<CommentWriter>();
        services.AddScoped<CommentScreening>();
        services.AddScoped<IInteractionEvents, InteractionFederation>();
        services.AddScoped<FederateInteractionJob>();
        services.AddSingleton<RemoteViewsSender>();
        services.AddHostedService(sp => sp.GetRequiredService<RemoteViewsSender>());
        services.AddScoped<ViewerFederation>();
        services.AddHostedService<LiveViewersService>();
        // Subscribe and Unsubscribe carry an id: nothing bigger is a message of this hub.
        services.AddSignalR().AddHubOptions<LiveViewersHub>(hub => hub.MaximumReceiveMessageSize = 4 * 1024);

        // What other instances send about videos and comments.
        services.AddScoped<Inbound.Interactions>();
        services.AddScoped<Inbound.NoteForwarding>();
        services.AddScoped<Inbound.ViewerReports>();
        services.AddSingleton<Inbound.ViewerReportLimit>();
        services.AddActivityHandler<Inbound.RateHandler>();
        services.AddActivityHandler<Inbound.UndoRateHandler>();
        services.AddActivityHandler<Inbound.ViewHandler>();
        services.AddActivityHandler<Inbound.NoteHandler>();
        services.AddActivityHandler<Inbound.DeleteNoteHandler>();
        services.AddForwardedActivityHandler<Inbound.ForwardedNoteHandler>();
        services.AddNodeInfoPart<LocalCommentsCount>();
        return builder;
    }

    /// <summary>Largest body of a rate or a comment request.</summary>
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The string fields of a small JSON object or form body, as PeerTube's clients send either; null when the body is
    /// neither (the caller answers 400).
    /// </summary>
    internal static async Task<Dictionary<string, string?>?> ReadFieldsAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            return form.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString());
        }

        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Null => null,
                _ => p.Value.GetRawText(),
            });
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
