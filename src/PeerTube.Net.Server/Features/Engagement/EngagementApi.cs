using System.Security.Claims;

namespace PeerTube.Net.Server.Features.Engagement;

/// <summary>The engagement routes: rates (<see cref="RatesApi"/>), comment threads (<see cref="CommentsApi"/>) and comments as ActivityPub objects.</summary>
internal static class EngagementApi
{
    public static IEndpointRouteBuilder MapEngagementApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Engagement").DisableAntiforgery();
        api.MapGet("/videos/{id}/comment-threads", CommentsApi.ListThreadsAsync);
        api.MapGet("/videos/{id}/comment-threads/{threadId:int}", CommentsApi.GetThreadAsync);

        var user = api.MapGroup("").RequireAuthorization();
        user.MapPut("/videos/{id}/rate", RatesApi.RateAsync);
        user.MapGet("/users/me/videos/{id}/rating", RatesApi.MyRatingAsync);
        user.MapPost("/videos/{id}/comment-threads", (string id, HttpRequest request, ClaimsPrincipal principal, CommentWriter writer, CancellationToken ct) =>
            writer.AddAsync(id, null, request, principal, ct));
        user.MapPost("/videos/{id}/comments/{commentId:int}", (string id, int commentId, HttpRequest request, ClaimsPrincipal principal,
            CommentWriter writer, CancellationToken ct) => writer.AddAsync(id, commentId, request, principal, ct));
        user.MapPost("/videos/{id}/comments/{commentId:int}/approve", (string id, int commentId, ClaimsPrincipal principal, CommentWriter writer,
            CancellationToken ct) => writer.ApproveAsync(id, commentId, principal, ct));
        user.MapGet("/videos/comments", CommentsApi.ListOnMyVideosAsync);
        user.MapGet("/users/me/videos/comments", CommentsApi.ListOnOwnVideosAsync);
        user.MapDelete("/videos/{id}/comments/{commentId:int}", (string id, int commentId, ClaimsPrincipal principal, CommentWriter writer,
            CancellationToken ct) => writer.DeleteAsync(id, commentId, principal, ct));

        app.MapGet("/videos/watch/{uuid:guid}/comments/{commentId:int}", CommentObjects.GetAsync);
        app.MapHub<LiveViewersHub>(LiveViewersHub.Path);
        return app;
    }
}
