using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Federation.Outbound;

namespace PeerTube.Net.Server.Features.Federation;

/// <summary>
/// A removed user's actors (their account's and channels') outlive the account until what they still have to send
/// (the Deletes of the user's videos, queued just before) is sent: the actor rows are detached from the account, so
/// the account's removal does not take them and their queued deliveries with it. <see cref="DetachedActorsSweeper"/>
/// removes them once nothing is left to send. A new account of the same name takes the actor over (same URL, same key).
/// </summary>
internal sealed class FederationUserRemoval(AppDbContext db) : IUserRemovalHandler
{
    public async Task RemovingAsync(int userId, CancellationToken ct)
    {
        var accountIds = db.Accounts.Where(a => a.UserId == userId).Select(a => a.Id);
        var channelIds = db.VideoChannels.Where(c => accountIds.Contains(c.AccountId)).Select(c => c.Id);
        await db.Actors
            .Where(a => a.Host == null && ((a.AccountId != null && accountIds.Contains(a.AccountId.Value)) || (a.ChannelId != null && channelIds.Contains(a.ChannelId.Value))))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.AccountId, (int?)null).SetProperty(a => a.ChannelId, (int?)null), ct);
    }
}

/// <summary>Removes our detached actors (of removed users) once none of their deliveries is pending; every minute.</summary>
internal sealed partial class DetachedActorsSweeper(IServiceScopeFactory scopes, TimeProvider clock, ILogger<DetachedActorsSweeper> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(1), clock, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                LogFailed(e);
            }
        }
    }

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var instanceActor = scope.ServiceProvider.GetRequiredService<LocalActors>().InstanceActorUrl;
        return await db.Actors
            .Where(a => a.Host == null && a.AccountId == null && a.ChannelId == null && a.Url != instanceActor
                        && !db.Set<Delivery>().Any(d => d.SenderActorId == a.Id && d.State == DeliveryState.Pending))
            .ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing detached actors failed; trying again in a minute")]
    private partial void LogFailed(Exception e);
}
