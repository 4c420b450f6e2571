using Microsoft.EntityFrameworkCore;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>Follow: someone follows our instance or one of our channels or accounts.</summary>
internal sealed class FollowHandler(FollowService follows) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Follow";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityResult.From(await follows.ReceiveFollowAsync(activity.Json, activity.Signer, ct));
}

/// <summary>Accept and Reject: the answer to a follow we sent.</summary>
internal sealed class FollowAnswerHandler(FollowService follows) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type is "Accept" or "Reject";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityResult.From(await follows.ReceiveAnswerAsync(activity.Object, activity.Signer, accepted: activity.Type == "Accept", ct));
}

/// <summary>Undo of a Follow.</summary>
internal sealed class UndoFollowHandler(FollowService follows) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Undo" && objectType == "Follow";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityResult.From(await follows.ReceiveUndoAsync(activity.Object, activity.Signer, ct));
}

/// <summary>Undo of an Announce: a share taken back. We keep no shares, so there is nothing to undo.</summary>
internal sealed class UndoAnnounceHandler : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Undo" && objectType == "Announce";

    public Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) => Task.FromResult(ActivityResult.Done);
}

/// <summary>Create of an actor (Person, Group, Application): its document is fetched again from its own URL.</summary>
internal sealed class ActorUpdateHandler(RemoteActors actors) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Create" && objectType is "Person" or "Group" or "Application";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        await actors.GetAsync(activity.Signer.Url, refresh: true, ct) is null ? ActivityResult.Ignored("actor refresh failed") : ActivityResult.Done;
}

/// <summary>Delete of an actor, by itself.</summary>
internal sealed class DeleteActorHandler(AppDbContext db) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Delete";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ActivityJson.IdOf(activity.Object) is not { } url || url != activity.Signer.Url)
        {
            return ActivityResult.Pass;
        }

        await db.Actors.Where(a => a.Url == url).ExecuteDeleteAsync(ct);
        return ActivityResult.Done;
    }
}
