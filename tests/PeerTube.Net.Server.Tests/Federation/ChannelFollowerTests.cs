using System.Net;
using System.Text.Json;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// A fediverse user (as Mastodon would, from its shared inbox) follows one of our channels. When a video is published
/// in it, they get the account's Create(Video) and the channel's Announce of it, both signed.
/// </summary>
public sealed class ChannelFollowerTests : IAsyncDisposable
{
    private readonly ServerProcess _a = FederationTestKit.Instance();
    private readonly FakeRemote _remote = new();

    [Fact]
    public async Task A_follower_of_a_channel_gets_the_video_created_by_the_account_and_announced_by_the_channel()
    {
        await _a.StartAsync();
        var root = await _a.LoginAsRootAsync();
        var ann = _remote.Person("ann");
        var channelUrl = $"{_a.BaseUrl}/video-channels/root_channel";
        var follow = $$"""
            {"@context":"https://www.w3.org/ns/activitystreams","id":"{{ann}}#follows/1","type":"Follow","actor":"{{ann}}","object":"{{channelUrl}}"}
            """;
        var posted = await _remote.PostAsync($"{_a.BaseUrl}/inbox", follow, ann + "#main-key");
        Assert.Equal(HttpStatusCode.NoContent, posted.StatusCode);
        await FederationTestKit.EventuallyAsync(() => Task.FromResult(_remote.Received.Any(r => r.Body.GetProperty("type").GetString() == "Accept")),
            "the Accept of the follow", _a);

        var video = await root.PublishAsync("For the followers");
        var videoUrl = $"{_a.BaseUrl}/videos/watch/{video.GetProperty("uuid").GetString()}";
        var announce = await FederationTestKit.EventuallyAsync(() => Task.FromResult(_remote.Received
            .Select(r => (JsonElement?)r.Body).FirstOrDefault(b => b!.Value.GetProperty("type").GetString() == "Announce")), "the channel's Announce", _a);
        Assert.Equal(channelUrl, announce!.Value.GetProperty("actor").GetString());
        Assert.Equal(videoUrl, announce.Value.GetProperty("object").GetString());

        var create = await FederationTestKit.EventuallyAsync(() => Task.FromResult(_remote.Received
            .Select(r => (JsonElement?)r.Body).FirstOrDefault(b => b!.Value.GetProperty("type").GetString() == "Create")), "the Create(Video)", _a);
        Assert.Equal($"{_a.BaseUrl}/accounts/root", create!.Value.GetProperty("actor").GetString());
        Assert.Equal(videoUrl, create.Value.GetProperty("object").GetProperty("id").GetString());
        Assert.Equal("Video", create.Value.GetProperty("object").GetProperty("type").GetString());

        // The Accept went to ann's own inbox; the video's activities to the shared inbox, once each.
        Assert.Equal("/users/ann/inbox", Assert.Single(_remote.Received, r => r.Body.GetProperty("type").GetString() == "Accept").Path);
        Assert.All(_remote.Received.Where(r => r.Body.GetProperty("type").GetString() != "Accept"), r => Assert.Equal("/inbox", r.Path));
        Assert.Single(_remote.Received, r => r.Body.GetProperty("type").GetString() == "Announce");
    }

    public async ValueTask DisposeAsync()
    {
        await _a.DisposeAsync();
        await _remote.DisposeAsync();
    }
}
