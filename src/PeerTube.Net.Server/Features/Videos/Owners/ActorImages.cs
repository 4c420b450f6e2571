using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Infrastructure.Images;

namespace PeerTube.Net.Server.Features.Videos;

/// <summary>Whose image: an account or a channel.</summary>
public readonly record struct ImageOwner(int? AccountId, int? ChannelId)
{
    public static ImageOwner OfAccount(int id) => new(id, null);
    public static ImageOwner OfChannel(int id) => new(null, id);
}

/// <summary>
/// Avatars and banners on disk and in the database. A new image is written in every size first, then its rows replace
/// the old ones in one save, then the old files go: a failure on the way leaves the old image whole (and at worst a
/// stray file), never a row without its file.
/// </summary>
public sealed class ActorImages(AppDbContext db, StoragePaths paths, TimeProvider clock)
{
    private DbSet<ActorImage> Set => db.Set<ActorImage>();

    public static IQueryable<ActorImage> Of(IQueryable<ActorImage> images, ImageOwner owner) =>
        owner.AccountId is { } a ? images.Where(i => i.AccountId == a) : images.Where(i => i.ChannelId == owner.ChannelId);

    public string FileOf(ActorImage image) => Path.Combine(paths.ActorImages, image.Filename);

    /// <summary>Replaces the owner's image of <paramref name="type"/> with <paramref name="source"/>, in every PeerTube size.</summary>
    /// <returns>The new images, largest first; null when the source cannot be decoded.</returns>
    public async Task<List<ActorImage>?> ReplaceAsync(ImageOwner owner, ActorImageType type, byte[] source, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var created = new List<ActorImage>();
        try
        {
            foreach (var (width, height) in ActorImageSizes.For(type))
            {
                var jpeg = ImageEncoder.ToJpeg(source, width, height);
                if (jpeg is null)
                {
                    DeleteFiles(created);
                    return null;
                }

                var image = new ActorImage
                {
                    AccountId = owner.AccountId, ChannelId = owner.ChannelId, Type = type, Filename = $"{Guid.NewGuid()}.jpg",
                    Width = width, Height = height, CreatedAt = now, UpdatedAt = now,
                };
                await File.WriteAllBytesAsync(FileOf(image), jpeg, ct);
                created.Add(image);
            }

            var old = await Of(Set, owner).Where(i => i.Type == type).ToListAsync(ct);
            Set.RemoveRange(old);
            Set.AddRange(created);
            await db.SaveChangesAsync(ct);
            DeleteFiles(old);
            return created;
        }
        catch
        {
            DeleteFiles(created);
            throw;
        }
    }

    /// <summary>Removes the owner's image of <paramref name="type"/>, rows then files.</summary>
    public async Task RemoveAsync(ImageOwner owner, ActorImageType type, CancellationToken ct)
    {
        var old = await Of(Set, owner).Where(i => i.Type == type).ToListAsync(ct);
        Set.RemoveRange(old);
        await db.SaveChangesAsync(ct);
        DeleteFiles(old);
    }

    /// <summary>Every image file of these owners, to delete once their rows are gone (the rows go with the owner).</summary>
    public async Task<List<ActorImage>> AllOfAsync(IReadOnlyCollection<int> accountIds, IReadOnlyCollection<int> channelIds, CancellationToken ct) =>
        await Set.AsNoTracking()
            .Where(i => (i.AccountId != null && accountIds.Contains(i.AccountId.Value)) || (i.ChannelId != null && channelIds.Contains(i.ChannelId.Value)))
            .ToListAsync(ct);

    /// <summary>
    /// A remote actor's images of <paramref name="type"/>, as its document lists them (url and width). Unchanged urls keep
    /// their rows (and cached files); the others are replaced. Nothing is fetched here: the file comes on first request.
    /// The caller saves; the returned images' files are to be deleted after that.
    /// </returns>
    public async Task<List<ActorImage>> SyncRemoteAsync(ImageOwner owner, ActorImageType type, IReadOnlyList<(string Url, int Width)> announced, CancellationToken ct)
    {
        var existing = await Of(Set, owner).Where(i => i.Type == type).ToListAsync(ct);
        var wanted = announced.Where(a => a.Width > 0).DistinctBy(a => a.Url).Take(4).ToList();
        var gone = existing.Where(e => !wanted.Any(w => w.Url == e.RemoteUrl)).ToList();
        Set.RemoveRange(gone);
        var now = clock.GetUtcNow();
        foreach (var (url, width) in wanted.Where(w => !existing.Any(e => e.RemoteUrl == w.Url)))
        {
            // Never larger than we would make ours: the re-encode is bounded by our own sizes.
            var w = Math.Min(width, ActorImageSizes.For(type)[0].Width);
            Set.Add(new ActorImage
            {
                AccountId = owner.AccountId, ChannelId = owner.ChannelId, Type = type, Filename = $"{Guid.NewGuid()}.jpg", Width = w,
                Height = ActorImageSizes.HeightFor(type, w), RemoteUrl = url, CreatedAt = now, UpdatedAt = now,
            });
        }

        return gone;
    }

    public void DeleteFiles(IEnumerable<ActorImage> images)
    {
        foreach (var image in images)
        {
            StorageFiles.DeleteFile(FileOf(image));
        }
    }
}

/// <summary>PeerTube's avatar and banner uploads: one multipart file field, at most 4 MB, an image by its content.</summary>
public static class ActorImageUpload
{
    public static string Invalid(string field) =>
        $"This file is not supported or too large. Please, make sure it is of the following type : {string.Join(", ", ActorImageSizes.Extensions)}";

    /// <returns>The file's bytes, or the problem to answer (400 with PeerTube's invalid-params shape).</returns>
    public static async Task<(byte[]? Bytes, BadRequestProblem? Problem)> ReadAsync(HttpRequest request, string field, CancellationToken ct)
    {
        BadRequestProblem Fail() => ApiProblem.InvalidParams(new Dictionary<string, string> { [field] = Invalid(field) });
        if (!request.HasFormContentType)
        {
            return (null, Fail());
        }

        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile(field);
        var extension = Path.GetExtension(file?.FileName ?? "").ToLowerInvariant();
        if (file is null || file.Length is 0 or > ActorImageSizes.MaxFileBytes || !ActorImageSizes.Extensions.Contains(extension))
        {
            return (null, Fail());
        }

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, ct);
        var bytes = buffer.ToArray();
        // The name is the client's word; the content decides.
        return Infrastructure.Images.ImageEncoder.IsSupported(bytes, out _) ? (bytes, null) : (null, Fail());
    }
}
