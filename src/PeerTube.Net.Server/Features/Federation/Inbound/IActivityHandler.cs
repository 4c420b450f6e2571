using System.Text.Json;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// One kind of inbound activity (PeerTube's <c>activitypub/process/process-*.ts</c>), registered by the feature that owns
/// what it changes. <see cref="ProcessInboxActivityJob"/> only verifies and routes: a new kind is a new handler.
/// </summary>
public interface IActivityHandler
{
    /// <param name="type">The activity's type: "Create", "Like", …</param>
    /// <param name="objectType">
    /// The type of what it carries when that decides who handles it: the object of a Create, Update or Undo ("Note",
    /// "Follow", …); null when the object is only an id or the activity carries none.
    /// </param>
    bool Handles(string type, string? objectType);

    /// <returns>Done, ignored with the reason (kept in the inbox log), or passed to the next handler of the same type.</returns>
    Task<ActivityResult> HandleAsync(InboundActivity activity, CancellationToken ct);
}

/// <summary>
/// An activity whose actor is not its signer: another instance passing on what someone else said (PeerTube forwards the
/// comments on its videos). A handler takes it only as a pointer, and checks it at its source.
/// </summary>
public interface IForwardedActivityHandler
{
    Task<ActivityResult> HandleAsync(JsonElement activity, CancellationToken ct);
}

/// <summary>A verified activity: its JSON, its object (if any), and who signed it (an actor we hold).</summary>
public sealed record InboundActivity(JsonElement Json, JsonElement Object, Actor Signer)
{
    public string Type => Json.Type() ?? "";

    /// <summary>The signer's host: what the activity may speak for.</summary>
    public string Host => Signer.Host!;
}

/// <summary>What a handler did with an activity.</summary>
public sealed record ActivityResult(string? Reason, bool Passed = false)
{
    public static readonly ActivityResult Done = new((string?)null);

    /// <summary>Not this handler's (a Delete of something it does not keep): the next handler of the type is asked.</summary>
    public static readonly ActivityResult Pass = new(null, Passed: true);

    /// <summary>Refused or of no use; the reason is kept in the inbox log.</summary>
    public static ActivityResult Ignored(string reason) => new(reason);

    /// <summary>Done when <paramref name="reason"/> is null, ignored otherwise (the shape of the older handlers' answers).</summary>
    public static ActivityResult From(string? reason) => reason is null ? Done : Ignored(reason);
}

public static class ActivityHandlerRegistration
{
    /// <summary>Adds a handler of inbound activities; handlers of one type are asked in registration order.</summary>
    public static IServiceCollection AddActivityHandler<THandler>(this IServiceCollection services)
        where THandler : class, IActivityHandler =>
        services.AddScoped<IActivityHandler, THandler>();

    public static IServiceCollection AddForwardedActivityHandler<THandler>(this IServiceCollection services)
        where THandler : class, IForwardedActivityHandler =>
        services.AddScoped<IForwardedActivityHandler, THandler>();
}
