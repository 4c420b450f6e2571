using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Federation.Discovery;

/// <summary>WebFinger, NodeInfo 2.0 and host-meta: how other servers find our actors and what we are.</summary>
internal static class DiscoveryEndpoints
{
    public const string SoftwareName = "peertube-net";
    public const string SoftwareVersion = "0.1.0";

    public static IEndpointRouteBuilder MapDiscovery(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/webfinger", WebFingerAsync);
        app.MapGet("/.well-known/nodeinfo", (IOptions<InstanceOptions> instance) => TypedResults.Json(new NodeInfoLinks(
            [new NodeInfoLink("http://nodeinfo.diaspora.software/ns/schema/2.0", instance.Value.Absolute("/nodeinfo/2.0.json"))])));
        app.MapGet("/nodeinfo/2.0.json", NodeInfoAsync);
        app.MapGet("/.well-known/host-meta", (IOptions<InstanceOptions> instance) => TypedResults.Text(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n" +
            $"  <Link rel=\"lrdd\" type=\"application/xrd+xml\" template=\"{instance.Value.Absolute("/.well-known/webfinger")}?resource={{uri}}\"/>\n</XRD>\n",
            "application/xrd+xml; charset=utf-8"));
        return app;
    }

    /// <summary>acct:name@host (or the actor's URL) for an account, a channel or the instance actor.</summary>
    private static async Task<IResult> WebFingerAsync(string? resource, AppDbContext db, LocalActors local, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(resource))
        {
            return ApiProblem.BadRequest("The resource parameter is required.", "invalid_resource");
        }

        string? name = null;
        if (resource.StartsWith("acct:", StringComparison.OrdinalIgnoreCase))
        {
            var acct = resource[5..].TrimStart('@');
            var at = acct.LastIndexOf('@');
            if (at > 0 && string.Equals(acct[(at + 1)..], instance.Value.Host, StringComparison.OrdinalIgnoreCase))
            {
                name = acct[..at];
            }
        }
        else if (await local.ByUrlAsync(resource, ct) is { } byUrl)
        {
            name = byUrl.PreferredUsername;
        }

        Actor? actor = null;
        if (name is not null)
        {
            actor = name == LocalActors.InstanceActorName ? await local.InstanceActorAsync(ct)
                : await db.Accounts.AnyAsync(a => a.Name == name && a.Host == null, ct) ? await local.ForAccountAsync(name, ct)
                : await local.ForChannelAsync(name, ct);
        }

        if (actor is null)
        {
            return ApiProblem.NotFound("No such account or channel here.");
        }

        var profile = actor.Type == ActorType.Group ? instance.Value.Absolute($"/c/{actor.PreferredUsername}") : instance.Value.Absolute($"/a/{actor.PreferredUsername}");
        return TypedResults.Json(new
        {
            subject = $"acct:{actor.PreferredUsername}@{instance.Value.Host}",
            aliases = new[] { actor.Url },
            links = new object[]
            {
                new { rel = "self", type = ActivityJson.ContentType, href = actor.Url },
                new { rel = "http://webfinger.net/rel/profile-page", type = "text/html", href = profile },
                new { rel = "http://ostatus.org/schema/1.0/subscribe", template = instance.Value.Absolute("/remote-interaction?uri={uri}") },
            },
        }, contentType: "application/jrd+json; charset=utf-8");
    }

    private static async Task<IResult> NodeInfoAsync(AppDbContext db, IOptions<InstanceOptions> instance, IEnumerable<INodeInfoPart> parts,
        CancellationToken ct)
    {
        var users = await db.Users.CountAsync(ct);
        var videos = await db.Videos.CountAsync(v => v.RemoteUrl == null && v.State == VideoState.Published, ct);
        var usage = new Dictionary<string, object?>
        {
            ["users"] = new { total = users, activeMonth = users, activeHalfyear = users },
            ["localPosts"] = videos,
            ["localComments"] = 0,
        };
        foreach (var part in parts)
        {
            await part.AddToAsync(usage, ct);
        }

        return TypedResults.Json(new Dictionary<string, object?>
        {
            ["version"] = "2.0",
            ["software"] = new { name = SoftwareName, version = SoftwareVersion },
            ["protocols"] = new[] { "activitypub" },
            ["services"] = new { inbound = Array.Empty<string>(), outbound = Array.Empty<string>() },
            ["openRegistrations"] = false,
            ["usage"] = usage,
            ["metadata"] = new { nodeName = instance.Value.Name, peertube = new { compatibleWith = "6.3.0" } },
        }, contentType: "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.0#\"; charset=utf-8");
    }
}

/// <summary>A feature's figures in NodeInfo's <c>usage</c> (such as <c>localComments</c>).</summary>
public interface INodeInfoPart
{
    Task AddToAsync(Dictionary<string, object?> usage, CancellationToken ct);
}

public static class NodeInfoRegistration
{
    public static IServiceCollection AddNodeInfoPart<TPart>(this IServiceCollection services) where TPart : class, INodeInfoPart =>
        services.AddScoped<INodeInfoPart, TPart>();
}

internal sealed record NodeInfoLinks(IReadOnlyList<NodeInfoLink> links);

internal sealed record NodeInfoLink(string rel, string href);
