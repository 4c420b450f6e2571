using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// Remote actors: fetched (signed, through the guarded client), checked (the document must come from the host it
/// names), cached in <see cref="Actor"/> rows, and given an Account (Person) or a VideoChannel (Group) so that their
/// videos and comments have an owner here.
/// </summary>
public sealed partial class RemoteActors(
    AppDbContext db,
    FederationHttpClient http,
    LocalActors local,
    ActorImages images,
    IOptions<InstanceOptions> instance,
    TimeProvider clock,
    ILogger<RemoteActors> logger)
{
    /// <summary>The cached actor, or a fresh fetch when there is none or <paramref name="refresh"/> is set.</summary>
    public async Task<Actor?> GetAsync(string actorUrl, bool refresh, CancellationToken ct)
    {
        if (await local.ByUrlAsync(actorUrl, ct) is { } ours)
        {
            return ours;
        }

        var cached = await db.Actors.FirstOrDefaultAsync(a => a.Url == actorUrl, ct);
        if (cached is not null && !refresh)
        {
            return cached;
        }

        var signer = LocalActors.SigningKey(await local.InstanceActorAsync(ct));
        if (!Uri.TryCreate(actorUrl, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var fetched = await http.GetActivityAsync(uri, signer, ct);
        if (!fetched.Ok || fetched.Document is null)
        {
            LogFetchFailed(actorUrl, fetched.Error);
            return cached;
        }

        using var document = fetched.Document;
        return await UpsertAsync(document.RootElement, fetched.FinalUrl, ct) ?? cached;
    }

    /// <summary>
    /// The actor that owns a key id. Mastodon and PeerTube use "{actor}#main-key"; others serve the key at its own URL
    /// with an owner, which is then fetched.
    /// </summary>
    public async Task<Actor?> ByKeyIdAsync(string keyId, bool refresh, CancellationToken ct)
    {
        if (!refresh && await KnownByKeyIdAsync(keyId, ct) is { } known)
        {
            return known;
        }

        var actorUrl = keyId.Contains('#', StringComparison.Ordinal) ? keyId[..keyId.IndexOf('#', StringComparison.Ordinal)] : keyId;
        var actor = await GetAsync(actorUrl, refresh: true, ct);
        return actor is not null && actor.KeyId == keyId ? actor : null;
    }

    /// <summary>The remote actor we hold with that key id, without fetching anything.</summary>
    public Task<Actor?> KnownByKeyIdAsync(string keyId, CancellationToken ct) =>
        db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.KeyId == keyId && a.Host != null, ct);

    /// <summary>"name@host" (or "acct:name@host", or "@name@host") to an actor, through WebFinger.</summary>
    public async Task<Actor?> ResolveHandleAsync(string handle, CancellationToken ct)
    {
        var acct = handle.Trim();
        acct = acct.StartsWith("acct:", StringComparison.OrdinalIgnoreCase) ? acct[5..] : acct.TrimStart('@');
        var at = acct.LastIndexOf('@');
        if (at <= 0 || at == acct.Length - 1)
        {
            return null;
        }

        var host = acct[(at + 1)..];
        foreach (var scheme in Schemes())
        {
            if (!Uri.TryCreate($"{scheme}://{host}/.well-known/webfinger?resource={Uri.EscapeDataString("acct:" + acct)}", UriKind.Absolute, out var url))
            {
                return null;
            }

            var result = await http.GetActivityAsync(url, signer: null, ct);
            if (!result.Ok || result.Document is null)
            {
                continue;
            }

            using var doc = result.Document;
            var self = doc.RootElement.Items("links")
                .FirstOrDefault(l => l.String("rel") == "self" && (l.String("type")?.Contains("activity+json", StringComparison.Ordinal) ?? false
                                                                 || l.String("type")?.Contains("ld+json", StringComparison.Ordinal) == true));
            if (self.String("href") is { } href && ActivityJson.SameHost(href, url.AbsoluteUri))
            {
                return await GetAsync(href, refresh: false, ct);
            }
        }

        return null;
    }

    /// <summary>The instance actor of a host (PeerTube's /accounts/peertube), for instance follows.</summary>
    public async Task<Actor?> ResolveInstanceAsync(string host, CancellationToken ct)
    {
        if (await ResolveHandleAsync("peertube@" + host, ct) is { } actor)
        {
            return actor;
        }

        foreach (var scheme in Schemes())
        {
            if (await GetAsync($"{scheme}://{host}/accounts/peertube", refresh: false, ct) is { } direct)
            {
                return direct;
            }
        }

        return null;
    }

    /// <summary>https first; plain http too when we run on http ourselves (a development or loopback test setup).</summary>
    private IEnumerable<string> Schemes() =>
        instance.Value.BaseUri.Scheme == Uri.UriSchemeHttp ? ["https", "http"] : ["https"];

    /// <summary>Stores (or refreshes) an actor from its document, when the document is consistent with where it came from.</summary>
    public async Task<Actor?> UpsertAsync(JsonElement doc, Uri source, CancellationToken ct)
    {
        var id = doc.String("id");
        var type = doc.Type() switch
        {
            "Person" or "Service" => ActorType.Person,
            "Group" or "Organization" => ActorType.Group,
            "Application" => ActorType.Application,
            _ => (ActorType?)null,
        };
        var inbox = doc.String("inbox");
        var keyId = doc.TryProperty("publicKey", out var key) ? key.String("id") : null;
        var pem = key.ValueKind == JsonValueKind.Object ? key.String("publicKeyPem") : null;
        var name = doc.String("preferredUsername");
        var host = ActivityJson.HostOf(id);
        if (id is null || type is null || inbox is null || keyId is null || pem is null || string.IsNullOrWhiteSpace(name) || host is null
            || !ActivityJson.SameHost(id, source.AbsoluteUri) || !ActivityJson.SameHost(id, keyId) || !ActivityJson.SameHost(id, inbox)
            || host == ActivityJson.HostOf(instance.Value.PublicUrl))
        {
            LogRefused(source.AbsoluteUri);
            return null;
        }

        var sharedInbox = doc.TryProperty("endpoints", out var endpoints) ? endpoints.String("sharedInbox") : null;
        if (sharedInbox is not null && !ActivityJson.SameHost(sharedInbox, id))
        {
            sharedInbox = null;
        }

        var actor = await db.Actors.FirstOrDefaultAsync(a => a.Url == id, ct);
        if (actor is null)
        {
            actor = new Actor
            {
                Url = id, PreferredUsername = name, InboxUrl = inbox, KeyId = keyId, PublicKeyPem = pem, Host = host, CreatedAt = clock.GetUtcNow(),
            };
            db.Actors.Add(actor);
        }

        actor.Type = type.Value;
        actor.PreferredUsername = name;
        actor.InboxUrl = inbox;
        actor.SharedInboxUrl = sharedInbox;
        actor.OutboxUrl = doc.String("outbox");
        actor.FollowersUrl = doc.String("followers");
        actor.FollowingUrl = doc.String("following");
        actor.KeyId = keyId;
        actor.PublicKeyPem = pem;
        actor.DisplayName = doc.String("name") ?? name;
        actor.Summary = doc.String("summary");
        actor.IconUrl = doc.Items("icon").Select(i => i.String("url")).FirstOrDefault(u => u is not null);
        actor.ProfileUrl = doc.Id("url");
        actor.FetchedAt = clock.GetUtcNow();

        var handle = $"{name}@{host}";
        if (actor.Type == ActorType.Person && actor.AccountId is null)
        {
            actor.Account = await RemoteAccountAsync(handle, host, id, actor.DisplayName, ct);
        }
        else if (actor.Type == ActorType.Group && actor.ChannelId is null)
        {
            var ownerUrl = doc.Items("attributedTo").Where(a => a.ValueKind == JsonValueKind.String || a.Type() is null or "Person")
                .Select(ActivityJson.IdOf).FirstOrDefault(u => u is not null && ActivityJson.SameHost(u, id));
            var owner = ownerUrl is null ? null : await GetAsync(ownerUrl, refresh: false, ct);
            var account = owner?.AccountId is { } ownerAccountId
                ? await db.Accounts.FirstAsync(a => a.Id == ownerAccountId, ct)
                : await RemoteAccountAsync(handle, host, id + "#owner", actor.DisplayName, ct);
            actor.Channel = await db.VideoChannels.FirstOrDefaultAsync(c => c.RemoteUrl == id, ct)
                            ?? new VideoChannel
                            {
                                Name = handle, DisplayName = actor.DisplayName, Host = host, RemoteUrl = id, Account = account,
                                CreatedAt = clock.GetUtcNow(), UpdatedAt = clock.GetUtcNow(),
                            };
        }

        if (actor.ChannelId is { } channelId && actor.Channel is null)
        {
            actor.Channel = await db.VideoChannels.FirstOrDefaultAsync(c => c.Id == channelId, ct);
        }

        if (actor.AccountId is { } accountId && actor.Account is null)
        {
            actor.Account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, ct);
        }

        if (actor.Channel is { } channel)
        {
            channel.DisplayName = Truncate(actor.DisplayName, 120);
            channel.Description = actor.Summary is null ? null : Truncate(actor.Summary, 1000);
            channel.Support = doc.String("support") is { } support ? Truncate(support, 1000) : null;
            channel.UpdatedAt = clock.GetUtcNow();
        }
        else if (actor.Type == ActorType.Person && actor.Account is { } account)
        {
            account.DisplayName = Truncate(actor.DisplayName, 120);
            account.Description = actor.Summary is null ? null : Truncate(actor.Summary, 1000);
        }

        await db.SaveChangesAsync(ct);

        // The images need the owner's id, which a new actor has only now.
        var imageOwner = actor.Channel is { } ch ? ImageOwner.OfChannel(ch.Id) : actor.Account is { } acc ? ImageOwner.OfAccount(acc.Id) : (ImageOwner?)null;
        if (imageOwner is { } o)
        {
            var replaced = await images.SyncRemoteAsync(o, ActorImageType.Avatar, Announced(doc, "icon"), ct);
            replaced.AddRange(await images.SyncRemoteAsync(o, ActorImageType.Banner, Announced(doc, "image"), ct));
            await db.SaveChangesAsync(ct);
            images.DeleteFiles(replaced);
        }

        return actor;
    }

    /// <summary>The images an actor document lists (icon or image: one object or an array), with their widths.</summary>
    private static List<(string Url, int Width)> Announced(JsonElement doc, string property) =>
        doc.Items(property)
            .Where(i => i.ValueKind == JsonValueKind.Object && Uri.TryCreate(i.String("url"), UriKind.Absolute, out var url)
                        && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
            .Select(i => (i.String("url")!, i.Int("width") ?? (property == "image" ? 1920 : 120)))
            .ToList();

    private async Task<Account> RemoteAccountAsync(string handle, string host, string url, string displayName, CancellationToken ct) =>
        await db.Accounts.FirstOrDefaultAsync(a => a.RemoteUrl == url, ct)
        ?? new Account { Name = handle, DisplayName = Truncate(displayName, 120), Host = host, RemoteUrl = url, CreatedAt = clock.GetUtcNow() };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not fetch actor {Url}: {Error}")]
    private partial void LogFetchFailed(string url, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused the actor document from {Url}: missing fields, or ids on another host")]
    private partial void LogRefused(string url);
}
