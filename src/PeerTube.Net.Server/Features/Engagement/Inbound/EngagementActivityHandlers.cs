using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Inbound;

namespace PeerTube.Net.Server.Features.Engagement.Inbound;

/// <summary>Like and Dislike of a video.</summary>
internal sealed class RateHandler(Interactions interactions) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type is "Like" or "Dislike";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityResult.From(await interactions.RateAsync(activity.Json, activity.Signer, like: activity.Type == "Like", ct));
}

/// <summary>Undo of a Like or a Dislike.</summary>
internal sealed class UndoRateHandler(Interactions interactions) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Undo" && objectType is "Like" or "Dislike";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct) =>
        ActivityResult.From(await interactions.UndoRateAsync(activity.Object, activity.Signer, ct));
}

/// <summary>View: views of our videos, or of a remote one from its origin; or, with expires, a live viewer report.</summary>
internal sealed class ViewHandler(Interactions interactions, ViewerReports viewerReports) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "View";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ViewerReports.IsViewerReport(activity.Json))
        {
            // PeerTube's viewer protocol: a View that expires reports who watches right now, not a view (the view
            // itself comes in a View of its own).
            return ActivityResult.From(await viewerReports.ReceiveAsync(activity.Json, activity.Signer, ct));
        }

        return ActivityResult.From(await interactions.ViewAsync(activity.Json, activity.Signer, ct));
    }
}

/// <summary>Create and Update of a Note: a comment; one on our video is passed on to the video's other followers.</summary>
internal sealed class NoteHandler(Interactions interactions, NoteForwarding forwarding) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type is "Create" or "Update" && objectType == "Note";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        var error = await interactions.ReceiveNoteAsync(activity.Object, activity.Signer, ct);
        if (error is null && activity.Object.String("id") is { } url)
        {
            await forwarding.ForwardAsync(activity.Json, url, activity.Host, ct);
        }

        return ActivityResult.From(error);
    }
}

/// <summary>Delete of a Note, from its author or its video's owner; passed on like its Create.</summary>
internal sealed class DeleteNoteHandler(Interactions interactions, NoteForwarding forwarding) : IActivityHandler
{
    public bool Handles(string type, string? objectType) => type == "Delete";

    public async Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct)
    {
        if (ActivityJson.IdOf(activity.Object) is not { } url)
        {
            return ActivityResult.Pass;
        }

        // Deleted now, or by an earlier try of this job that failed before it forwarded the Delete.
        var refused = await interactions.DeleteNoteByAsync(url, activity.Signer, ct);
        if (refused is null)
        {
            await forwarding.ForwardAsync(activity.Json, url, activity.Host, ct);
            return ActivityResult.Done;
        }

        return refused.Length == 0 ? ActivityResult.Pass : ActivityResult.Ignored(refused);
    }
}

/// <summary>A comment's Create, Update or Delete passed on by the video's origin: taken only as a pointer to the note.</summary>
internal sealed class ForwardedNoteHandler(NoteForwarding forwarding) : IForwardedActivityHandler
{
    public async Task<ActivityResult> HandleAsync(System.Text.Json.JsonElement activity, CancellationToken ct) =>
        ActivityResult.From(await forwarding.ReceiveAsync(activity, ct));
}
