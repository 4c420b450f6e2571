namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// Update of a Person or a Group (PeerTube's process-update.ts, processUpdateActor): an actor changed its names,
/// description, support or images. Only the actor itself may say so: the object's id must be the signer's. Our copy
/// takes the document as sent (it came signed by its owner); the images it lists are fetched later, on their first
/// request, through the guarded client, and re-encoded.
/// </summary>
internal sealed class UpdateActorHandler(RemoteActors actors) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Update" && objectType is "Person" or "Group" or "Application" or "Service" or "Organization";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ActivityJson.IdOf(activity.Object) != activity.Signer.Url)
        {
            return ActivityResult.Ignored("an actor may only update itself");
        }

        return await actors.UpsertAsync(activity.Object, new Uri(activity.Signer.Url), ct) is null
            ? ActivityResult.Ignored("actor document refused")
            : ActivityResult.Done;
    }
}
