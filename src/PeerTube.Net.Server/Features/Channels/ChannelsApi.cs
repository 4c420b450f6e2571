using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;
using PeerTube.Net.Server.Features.Instance;
using PeerTube.Net.Server.Infrastructure.Data;
using PeerTube.Net.Server.Infrastructure.Errors;

namespace PeerTube.Net.Server.Features.Channels;

internal static class ChannelsApi
{
    public static IEndpointRouteBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/video-channels/{handle}", GetChannel);
        return app;
    }

    /// <summary>Accepts "name" and "name@host" for a local channel.</summary>
    private static async Task<IResult> GetChannel(string handle, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var name = handle;
        var at = handle.IndexOf('@');
        if (at >= 0)
        {
            if (!string.Equals(handle[(at + 1)..], instance.Value.Host, StringComparison.OrdinalIgnoreCase))
            {
                return ApiProblem.NotFound("Video channel not found.");
            }

            name = handle[..at];
        }

        var channel = await db.VideoChannels.Include(c => c.Account).FirstOrDefaultAsync(c => c.Name == name, ct);
        return channel is null
            ? ApiProblem.NotFound("Video channel not found.")
            : TypedResults.Ok(AccountDtos.Channel(channel, instance.Value));
    }
}
