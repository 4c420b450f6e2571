using Microsoft.Extensions.DependencyInjection;
using PeerTube.Net.Server.Features.Federation.Inbound;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Every kind of activity PeerTube and Mastodon send us has a handler registered by the feature that owns it, so that
/// the dispatcher, which only routes, never answers "unsupported" for one of them.
/// </summary>
public sealed class ActivityRoutingTests(ActivityRoutingTests.Server fixture) : IClassFixture<ActivityRoutingTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public ServerApplication App { get; private set; } = null!;

        public async ValueTask InitializeAsync() => App = await ServerApplication.StartAsync(DatabaseKind.Sqlite);

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }

    [Theory]
    [InlineData("Follow", null, "FollowHandler")]
    [InlineData("Accept", "Follow", "FollowAnswerHandler")]
    [InlineData("Reject", "Follow", "FollowAnswerHandler")]
    [InlineData("Undo", "Follow", "UndoFollowHandler")]
    [InlineData("Undo", "Announce", "UndoAnnounceHandler")]
    [InlineData("Update", "Person", "UpdateActorHandler")]
    [InlineData("Update", "Group", "UpdateActorHandler")]
    [InlineData("Create", "Video", "VideoHandler")]
    [InlineData("Update", "Video", "VideoHandler")]
    [InlineData("Announce", null, "AnnounceHandler")]
    [InlineData("Create", "Note", "NoteHandler")]
    [InlineData("Update", "Note", "NoteHandler")]
    [InlineData("Like", null, "RateHandler")]
    [InlineData("Dislike", null, "RateHandler")]
    [InlineData("Undo", "Like", "UndoRateHandler")]
    [InlineData("Undo", "Dislike", "UndoRateHandler")]
    [InlineData("View", null, "ViewHandler")]
    [InlineData("Flag", null, "FlagHandler")]
    [InlineData("Create", "CacheFile", "CacheFileHandler")]
    [InlineData("Update", "CacheFile", "CacheFileHandler")]
    [InlineData("Undo", "CacheFile", "CacheFileHandler")]
    [InlineData("Undo", "Create", "CacheFileHandler")]
    public async Task Each_kind_has_its_handler(string type, string? objectType, string handler)
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var handlers = scope.ServiceProvider.GetServices<IActivityHandler>().Where(h => h.Handles(type, objectType)).Select(h => h.GetType().Name).ToList();
        Assert.Equal([handler], handlers);
    }

    [Fact]
    public async Task A_delete_is_offered_to_the_video_the_comment_the_playlist_and_the_actor_handlers()
    {
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var handlers = scope.ServiceProvider.GetServices<IActivityHandler>().Where(h => h.Handles("Delete", null)).Select(h => h.GetType().Name).Order().ToList();
        Assert.Equal(["DeleteActorHandler", "DeleteNoteHandler", "DeletePlaylistHandler", "DeleteVideoHandler"], handlers);
        Assert.Single(scope.ServiceProvider.GetServices<IForwardedActivityHandler>());
    }
}
