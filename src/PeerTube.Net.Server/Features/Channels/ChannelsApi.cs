using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Channels;

internal static class ChannelsApi
{
    public static IEndpointRouteBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1").WithTags("Channels").MapGet("/video-channels/{handle}", GetChannel);
        return app;
    }

    /// <summary>Accepts "name" and "name@ourhost" for a local channel, "name@host" for a remote one.</summary>
    private static async Task<Results<Ok<ChannelDto>, NotFoundProblem>> GetChannel(string handle, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance.Value);
        var channel = await db.VideoChannels.Include(c => c.Account).FirstOrDefaultAsync(c => c.Name == name, ct);
        if (channel is null)
        {
            return ApiProblem.NotFound("Video channel not found.");
        }

        return TypedResults.Ok(AccountDtos.Channel(channel, instance.Value));
    }
}
