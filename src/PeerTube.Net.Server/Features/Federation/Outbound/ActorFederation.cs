using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Outbound;

/// <summary>What one of our accounts or channels says of itself in its actor document.</summary>
public sealed record ActorProfile(string DisplayName, string? Summary, string? Support, IReadOnlyList<ActorImage> Images);

/// <summary>Reads the profile behind one of our actors.</summary>
public sealed class ActorProfiles(AppDbContext db)
{
    public async Task<ActorProfile?> OfAsync(Actor actor, CancellationToken ct)
    {
        if (actor.ChannelId is { } channelId)
        {
            return await db.VideoChannels.AsNoTracking().Where(c => c.Id == channelId)
                .Select(c => new ActorProfile(c.DisplayName, c.Description, c.Support, c.Images.ToList())).FirstOrDefaultAsync(ct);
        }

        if (actor.AccountId is { } accountId)
        {
            return await db.Accounts.AsNoTracking().Where(a => a.Id == accountId)
                .Select(a => new ActorProfile(a.DisplayName, a.Description, null, a.Images.ToList())).FirstOrDefaultAsync(ct);
        }

        return null;
    }
}

/// <summary>
/// Tells followers when one of our accounts or channels changes (PeerTube's sendUpdateActor): an Update carrying the
/// whole actor document, to the followers of the actor and of the instance (which shares its videos); and a Delete of a
/// removed channel's actor. Written as delivery rows in the caller's transaction; the actor row of a removed channel is
/// detached (kept until those deliveries are out, then swept, as for a removed user).
/// </summary>
internal sealed class ActorFederation(AppDbContext db, LocalActors local, ActorProfiles profiles, ActivityObjects objects, Outbox outbox, TimeProvider clock)
    : IActorEventHandler
{
    public async Task AccountUpdatedAsync(int accountId, CancellationToken ct)
    {
        if (await local.ForAccountAsync(accountId, ct) is { } actor)
        {
            await SendUpdateAsync(actor, ownerUrl: null, ct);
        }
    }

    public async Task ChannelUpdatedAsync(int channelId, CancellationToken ct)
    {
        if (await local.ForChannelAsync(channelId, ct) is not { } actor)
        {
            return;
        }

        var owner = await db.VideoChannels.AsNoTracking().Where(c => c.Id == channelId).Select(c => c.Account!.Name).FirstAsync(ct);
        await SendUpdateAsync(actor, local.AccountUrl(owner), ct);
    }

    public async Task ChannelDeletingAsync(VideoChannel channel, CancellationToken ct)
    {
        if (!channel.IsLocal || await local.ForChannelAsync(channel.Id, ct) is not { } actor)
        {
            return;
        }

        var instanceActor = await local.InstanceActorAsync(ct);
        var inboxes = await outbox.FollowerInboxesAsync([actor.Id, instanceActor.Id], ct);
        var delete = objects.Activity("Delete", actor.Url + "/delete", actor.Url, JsonValue.Create(actor.Url), actor.FollowersUrl);
        await outbox.SendAsync(actor, delete, inboxes, ct);
        await db.Actors.Where(a => a.Id == actor.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.ChannelId, (int?)null), ct);
    }

    private async Task SendUpdateAsync(Actor actor, string? ownerUrl, CancellationToken ct)
    {
        if (await profiles.OfAsync(actor, ct) is not { } profile)
        {
            return;
        }

        // The actor row keeps the names that key lookups and lists show.
        await db.Actors.Where(a => a.Id == actor.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.DisplayName, profile.DisplayName).SetProperty(a => a.Summary, profile.Summary), ct);
        actor.DisplayName = profile.DisplayName;
        actor.Summary = profile.Summary;

        var document = objects.ActorDocument(actor, ownerUrl, profile);
        document.Remove("@context");
        var instanceActor = await local.InstanceActorAsync(ct);
        var inboxes = await outbox.FollowerInboxesAsync([actor.Id, instanceActor.Id], ct);
        var id = $"{actor.Url}/updates/{clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
        var update = objects.Activity("Update", id, actor.Url, document, actor.FollowersUrl);
        await outbox.SendAsync(actor, update, inboxes, ct);
    }
}
