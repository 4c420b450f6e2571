namespace PeerTube.Net.Server.Features.Videos;

/// <summary>
/// Changes to our accounts and channels (names, description, support, images), as the rest of the server hears of them.
/// The writer raises them inside the transaction of the change, so that what a handler writes (federation's Update,
/// in the outbox) commits with it or not at all. Handlers touch rows only; no network call.
/// </summary>
public interface IActorEventHandler
{
    Task AccountUpdatedAsync(int accountId, CancellationToken ct) => Task.CompletedTask;

    Task ChannelUpdatedAsync(int channelId, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Before the channel's row goes (its videos are gone already), while it can still be read.</summary>
    Task ChannelDeletingAsync(VideoChannel channel, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Calls every registered <see cref="IActorEventHandler"/>, in registration order.</summary>
public sealed class ActorEvents(IEnumerable<IActorEventHandler> handlers)
{
    public async Task AccountUpdatedAsync(int accountId, CancellationToken ct)
    {
        foreach (var h in handlers)
        {
            await h.AccountUpdatedAsync(accountId, ct);
        }
    }

    public async Task ChannelUpdatedAsync(int channelId, CancellationToken ct)
    {
        foreach (var h in handlers)
        {
            await h.ChannelUpdatedAsync(channelId, ct);
        }
    }

    public async Task ChannelDeletingAsync(VideoChannel channel, CancellationToken ct)
    {
        foreach (var h in handlers)
        {
            await h.ChannelDeletingAsync(channel, ct);
        }
    }
}
