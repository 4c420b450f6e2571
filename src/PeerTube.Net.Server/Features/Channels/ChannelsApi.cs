using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Channels;

/// <summary>
/// PeerTube's video channels: read by anyone; created by a user for themselves; changed by their owner (or an
/// administrator, PeerTube's MANAGE_ANY_VIDEO_CHANNEL); removed by their owner or a moderator (REMOVE_ANY_VIDEO_CHANNEL),
/// never the owner's last one. Every change is announced (<see cref="ActorEvents"/>) inside its own transaction.
/// </summary>
internal static class ChannelsApi
{
    public const int MaxChannelsPerUser = 20;
    private static readonly HashSet<string> SortColumns = ["id", "name", "updatedAt", "createdAt"];

    public sealed record CreateChannelRequest(string? Name, string? DisplayName, string? Description, string? Support);

    public sealed record UpdateChannelRequest(string? DisplayName, string? Description, string? Support, bool? BulkVideosSupportUpdate);

    public sealed record ChannelCreatedDto(ChannelCreatedDto.ChannelRef VideoChannel)
    {
        public sealed record ChannelRef(int Id);
    }

    public sealed record BannersDto(IReadOnlyList<ActorImageDto> Banners);

    public static IEndpointRouteBuilder MapChannelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/video-channels").WithTags("Channels").DisableAntiforgery();
        api.MapGet("", ListChannels);
        api.MapGet("/{handle}", GetChannel);

        var owner = api.MapGroup("").RequireAuthorization();
        owner.MapPost("", CreateChannel);
        owner.MapPut("/{handle}", UpdateChannel);
        owner.MapDelete("/{handle}", DeleteChannel);
        owner.MapPost("/{handle}/avatar/pick", (string handle, HttpRequest r, ClaimsPrincipal p, AppDbContext db, ActorImages images, ActorEvents events, IOptions<InstanceOptions> i, CancellationToken ct) =>
            PickImage(handle, ActorImageType.Avatar, r, p, db, images, events, i.Value, ct)).Accepts<IFormFile>("multipart/form-data")
            .Produces<AvatarsDto>();
        owner.MapDelete("/{handle}/avatar", (string handle, ClaimsPrincipal p, AppDbContext db, ActorImages images, ActorEvents events, IOptions<InstanceOptions> i, CancellationToken ct) =>
            DeleteImage(handle, ActorImageType.Avatar, p, db, images, events, i.Value, ct));
        owner.MapPost("/{handle}/banner/pick", (string handle, HttpRequest r, ClaimsPrincipal p, AppDbContext db, ActorImages images, ActorEvents events, IOptions<InstanceOptions> i, CancellationToken ct) =>
            PickImage(handle, ActorImageType.Banner, r, p, db, images, events, i.Value, ct)).Accepts<IFormFile>("multipart/form-data")
            .Produces<BannersDto>();
        owner.MapDelete("/{handle}/banner", (string handle, ClaimsPrincipal p, AppDbContext db, ActorImages images, ActorEvents events, IOptions<InstanceOptions> i, CancellationToken ct) =>
            DeleteImage(handle, ActorImageType.Banner, p, db, images, events, i.Value, ct));
        return app;
    }

    /// <summary>Accepts "name" and "name@ourhost" for a local channel, "name@host" for a remote one.</summary>
    private static async Task<Results<Ok<ChannelDto>, NotFoundProblem>> GetChannel(string handle, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance.Value);
        var channel = await db.VideoChannels.AsNoTracking().Include(c => c.Account!).ThenInclude(a => a.Images).Include(c => c.Images)
            .FirstOrDefaultAsync(c => c.Name == name, ct);
        if (channel is null)
        {
            return ApiProblem.NotFound("Video channel not found.");
        }

        return TypedResults.Ok(AccountDtos.Channel(channel, instance.Value) with { VideosCount = await ChannelStats.VideosCountAsync(db, channel.Id, ct) });
    }

    /// <summary>GET /api/v1/video-channels: every channel we know, ours and remote, paged and sorted as PeerTube's.</summary>
    private static async Task<Results<Ok<ListPage<ChannelDto>>, BadRequestProblem>> ListChannels(HttpRequest request, AppDbContext db, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var list = ListQuery.Read(request, SortColumns, "-createdAt");
        return TypedResults.Ok(await ChannelStats.PageAsync(db.VideoChannels.AsNoTracking(), list, withStats: false, db, instance.Value, ct));
    }

    private static async Task<Results<Ok<ChannelCreatedDto>, BadRequestProblem, UnauthorizedProblem, ConflictProblem>> CreateChannel(CreateChannelRequest body, ClaimsPrincipal principal,
        AppDbContext db, ActorEvents events, TimeProvider clock, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.UserId == principal.UserId() && a.UserId != null, ct);
        if (account is null)
        {
            return ApiProblem.Unauthorized("The token does not match a user.");
        }

        var errors = new Dictionary<string, string>();
        var name = body.Name?.Trim() ?? "";
        if (!UserService.UsernamePattern().IsMatch(name))
        {
            errors["name"] = "Should have a valid channel name: 1 to 50 characters among a-z, 0-9, '.' and '_'.";
        }

        Validate(body.DisplayName, body.Description, body.Support, displayNameRequired: true, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        if (await db.VideoChannels.CountAsync(c => c.AccountId == account.Id, ct) >= MaxChannelsPerUser)
        {
            return ApiProblem.BadRequest($"You cannot create more than {MaxChannelsPerUser} channels");
        }

        // PeerTube's rule: one namespace for accounts and channels, and a name once used stays taken (its actor is known elsewhere).
        if (await db.VideoChannels.AnyAsync(c => c.Name == name, ct) || await db.Accounts.AnyAsync(a => a.Name == name, ct)
            || await db.Users.AnyAsync(u => u.Username == name, ct) || name == Federation.LocalActors.InstanceActorName)
        {
            return ApiProblem.Conflict($"Another actor (account/channel) with name {name} on this instance already exists or has already existed.");
        }

        var now = clock.GetUtcNow();
        var channel = new VideoChannel
        {
            Name = name, DisplayName = body.DisplayName!.Trim(), Description = Clean(body.Description), Support = Clean(body.Support),
            AccountId = account.Id, CreatedAt = now, UpdatedAt = now,
        };
        db.VideoChannels.Add(channel);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new ChannelCreatedDto(new ChannelCreatedDto.ChannelRef(channel.Id)));
    }

    private static async Task<Results<NoContent, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> UpdateChannel(string handle, UpdateChannelRequest body, ClaimsPrincipal principal,
        AppDbContext db, ActorEvents events, IOptions<InstanceOptions> instance, TimeProvider clock, CancellationToken ct)
    {
        var (channel, problem) = await FindManageableAsync(handle, principal, db, instance.Value, removing: false, ct);
        if (channel is null)
        {
            return problem is NotFoundProblem nf ? nf : (ForbiddenProblem)problem!;
        }

        var errors = new Dictionary<string, string>();
        Validate(body.DisplayName, body.Description, body.Support, displayNameRequired: false, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.InvalidParams(errors);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (body.DisplayName is { } displayName)
        {
            channel.DisplayName = displayName.Trim();
        }

        if (body.Description is not null)
        {
            channel.Description = Clean(body.Description);
        }

        if (body.Support is not null)
        {
            channel.Support = Clean(body.Support);
            if (body.BulkVideosSupportUpdate == true)
            {
                await db.Videos.Where(v => v.ChannelId == channel.Id).ExecuteUpdateAsync(s => s.SetProperty(v => v.Support, channel.Support), ct);
            }
        }

        channel.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await events.ChannelUpdatedAsync(channel.Id, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Removes the channel: each video through the videos' own removal (its Delete federated, its files cleaned by each
    /// feature), then the channel (its followers hear a Delete of the Group), then its images' files.
    /// </summary>
    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem, ConflictProblem>> DeleteChannel(string handle, ClaimsPrincipal principal, AppDbContext db,
        VideoRemoval removal, ActorEvents events, ActorImages images, IOptions<InstanceOptions> instance, CancellationToken ct)
    {
        var (channel, problem) = await FindManageableAsync(handle, principal, db, instance.Value, removing: true, ct);
        if (channel is null)
        {
            return problem is NotFoundProblem nf ? nf : (ForbiddenProblem)problem!;
        }

        if (await db.VideoChannels.CountAsync(c => c.AccountId == channel.AccountId, ct) <= 1)
        {
            return ApiProblem.Conflict("Cannot remove the last channel of this user");
        }

        var videos = await db.Videos.WithDetails().Where(v => v.ChannelId == channel.Id).ToListAsync(ct);
        foreach (var video in videos)
        {
            await removal.RemoveAsync(video, ct);
        }

        var files = await images.AllOfAsync([], [channel.Id], ct);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await events.ChannelDeletingAsync(channel, ct);
            db.VideoChannels.Remove(channel);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }

        images.DeleteFiles(files);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AvatarsDto>, Ok<BannersDto>, BadRequestProblem, ForbiddenProblem, NotFoundProblem>> PickImage(string handle, ActorImageType type, HttpRequest request,
        ClaimsPrincipal principal, AppDbContext db, ActorImages images, ActorEvents events, InstanceOptions instance, CancellationToken ct)
    {
        var (channel, problem) = await FindManageableAsync(handle, principal, db, instance, removing: false, ct);
        if (channel is null)
        {
            return problem is NotFoundProblem nf ? nf : (ForbiddenProblem)problem!;
        }

        var field = type == ActorImageType.Banner ? "bannerfile" : "avatarfile";
        var (bytes, invalid) = await ActorImageUpload.ReadAsync(request, field, ct);
        if (bytes is null)
        {
            return invalid!;
        }

        List<ActorImage>? created;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            created = await images.ReplaceAsync(ImageOwner.OfChannel(channel.Id), type, bytes, ct);
            if (created is null)
            {
                return ApiProblem.InvalidParams(new Dictionary<string, string> { [field] = ActorImageUpload.Invalid(field) });
            }

            await events.ChannelUpdatedAsync(channel.Id, ct);
            await transaction.CommitAsync(ct);
        }

        var dtos = AccountDtos.Images(created, type, instance);
        return type == ActorImageType.Banner ? TypedResults.Ok(new BannersDto(dtos)) : TypedResults.Ok(new AvatarsDto(dtos));
    }

    private static async Task<Results<NoContent, ForbiddenProblem, NotFoundProblem>> DeleteImage(string handle, ActorImageType type, ClaimsPrincipal principal, AppDbContext db,
        ActorImages images, ActorEvents events, InstanceOptions instance, CancellationToken ct)
    {
        var (channel, problem) = await FindManageableAsync(handle, principal, db, instance, removing: false, ct);
        if (channel is null)
        {
            return problem is NotFoundProblem nf ? nf : (ForbiddenProblem)problem!;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await images.RemoveAsync(ImageOwner.OfChannel(channel.Id), type, ct);
        await events.ChannelUpdatedAsync(channel.Id, ct);
        await transaction.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The channel, if this user may change it (its owner, or an administrator) or remove it (also a moderator).
    /// A remote channel is its origin's to change.
    /// </summary>
    private static async Task<(VideoChannel? Channel, ApiProblem? Problem)> FindManageableAsync(string handle, ClaimsPrincipal principal, AppDbContext db,
        InstanceOptions instance, bool removing, CancellationToken ct)
    {
        var name = Handles.Local(handle, instance);
        var channel = await db.VideoChannels.Include(c => c.Account).FirstOrDefaultAsync(c => c.Name == name, ct);
        if (channel is null)
        {
            return (null, ApiProblem.NotFound("Video channel not found."));
        }

        if (!channel.IsLocal)
        {
            return (null, ApiProblem.Forbidden("Cannot manage a video channel of another server."));
        }

        var isOwner = channel.Account!.UserId is { } ownerId && ownerId == principal.UserId();
        var allowed = isOwner || principal.IsAdmin() || (removing && principal.IsModeratorOrAdmin());
        return allowed ? (channel, null) : (null, ApiProblem.Forbidden("Cannot manage video channel of another user"));
    }

    private static void Validate(string? displayName, string? description, string? support, bool displayNameRequired, Dictionary<string, string> errors)
    {
        if ((displayNameRequired || displayName is not null) && displayName?.Trim() is not { Length: >= 1 and <= 120 })
        {
            errors["displayName"] = "Should have a valid display name: 1 to 120 characters.";
        }

        if (description is { Length: > 0 } && description.Trim().Length is < 3 or > 1000)
        {
            errors["description"] = "Should have a valid description: 3 to 1000 characters.";
        }

        if (support is { Length: > 0 } && support.Trim().Length is < 3 or > 1000)
        {
            errors["support"] = "Should have a valid support text: 3 to 1000 characters.";
        }
    }

    /// <summary>An empty text clears the field, as PeerTube's client sends it.</summary>
    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
