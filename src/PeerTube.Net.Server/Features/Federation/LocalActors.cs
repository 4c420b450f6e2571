using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// Our own actors: the instance (Application, PeerTube's <c>/accounts/peertube</c>), each account (Person) and each
/// channel (Group). Their rows, and their RSA keys, are made the first time something needs them and never again.
/// </summary>
public sealed class LocalActors(AppDbContext db, IOptions<InstanceOptions> instance, TimeProvider clock)
{
    /// <summary>PeerTube's name for the instance actor; no account may take it.</summary>
    public const string InstanceActorName = "peertube";

    private InstanceOptions Instance => instance.Value;

    public string AccountUrl(string name) => Instance.Absolute($"/accounts/{Uri.EscapeDataString(name)}");
    public string ChannelUrl(string name) => Instance.Absolute($"/video-channels/{Uri.EscapeDataString(name)}");
    public string InstanceActorUrl => AccountUrl(InstanceActorName);
    public string SharedInbox => Instance.Absolute("/inbox");

    public Task<Actor> InstanceActorAsync(CancellationToken ct) =>
        EnsureAsync(InstanceActorUrl, ActorType.Application, InstanceActorName, Instance.Name, accountId: null, channelId: null, ct);

    public async Task<Actor?> ForAccountAsync(string name, CancellationToken ct)
    {
        if (name == InstanceActorName)
        {
            return await InstanceActorAsync(ct);
        }

        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Name == name && a.Host == null, ct);
        return account is null ? null : await EnsureAsync(AccountUrl(account.Name), ActorType.Person, account.Name, account.DisplayName, account.Id, null, ct);
    }

    public async Task<Actor?> ForAccountAsync(int accountId, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == accountId && a.Host == null, ct);
        return account is null ? null : await EnsureAsync(AccountUrl(account.Name), ActorType.Person, account.Name, account.DisplayName, account.Id, null, ct);
    }

    public async Task<Actor?> ForChannelAsync(string name, CancellationToken ct)
    {
        var channel = await db.VideoChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Name == name && c.Host == null, ct);
        return channel is null ? null : await EnsureAsync(ChannelUrl(channel.Name), ActorType.Group, channel.Name, channel.DisplayName, null, channel.Id, ct);
    }

    public async Task<Actor?> ForChannelAsync(int channelId, CancellationToken ct)
    {
        var channel = await db.VideoChannels.AsNoTracking().FirstOrDefaultAsync(c => c.Id == channelId && c.Host == null, ct);
        return channel is null ? null : await EnsureAsync(ChannelUrl(channel.Name), ActorType.Group, channel.Name, channel.DisplayName, null, channel.Id, ct);
    }

    /// <summary>One of ours by its ActivityPub id, or null when the URL is not one of our actors.</summary>
    public async Task<Actor?> ByUrlAsync(string url, CancellationToken ct)
    {
        if (url == InstanceActorUrl)
        {
            return await InstanceActorAsync(ct);
        }

        var accounts = Instance.Absolute("/accounts/");
        var channels = Instance.Absolute("/video-channels/");
        if (url.StartsWith(accounts, StringComparison.Ordinal) && url.Length > accounts.Length)
        {
            return await ForAccountAsync(Uri.UnescapeDataString(url[accounts.Length..]), ct);
        }

        if (url.StartsWith(channels, StringComparison.Ordinal) && url.Length > channels.Length)
        {
            return await ForChannelAsync(Uri.UnescapeDataString(url[channels.Length..]), ct);
        }

        return null;
    }

    private async Task<Actor> EnsureAsync(string url, ActorType type, string name, string displayName, int? accountId, int? channelId, CancellationToken ct)
    {
        if (await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.Url == url, ct) is { } existing)
        {
            if (existing.Host == null && (existing.AccountId != accountId || existing.ChannelId != channelId))
            {
                // The actor of a removed account or channel (kept until its last deliveries went out): a new one of the
                // same name takes it over, as it has the same URL for everyone else.
                await db.Actors.Where(a => a.Id == existing.Id)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.AccountId, accountId).SetProperty(a => a.ChannelId, channelId), ct);
                existing.AccountId = accountId;
                existing.ChannelId = channelId;
            }

            return existing;
        }

        var (publicPem, privatePem) = HttpSignatures.NewKeyPair();
        var actor = new Actor
        {
            Type = type,
            PreferredUsername = name,
            Url = url,
            InboxUrl = url + "/inbox",
            SharedInboxUrl = SharedInbox,
            OutboxUrl = url + "/outbox",
            FollowersUrl = url + "/followers",
            FollowingUrl = url + "/following",
            KeyId = url + "#main-key",
            PublicKeyPem = publicPem,
            PrivateKeyPem = privatePem,
            DisplayName = displayName,
            AccountId = accountId,
            ChannelId = channelId,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Actors.Add(actor);
        try
        {
            await db.SaveChangesAsync(ct);
            db.Entry(actor).State = EntityState.Detached;
            return actor;
        }
        catch (DbUpdateException)
        {
            // Another request made it first; theirs is the one.
            db.Entry(actor).State = EntityState.Detached;
            return await db.Actors.AsNoTracking().FirstAsync(a => a.Url == url, ct);
        }
    }

    public static SigningKey SigningKey(Actor actor) =>
        new(actor.KeyId, actor.PrivateKeyPem ?? throw new InvalidOperationException($"{actor.Url} is not ours: it has no private key."));
}
