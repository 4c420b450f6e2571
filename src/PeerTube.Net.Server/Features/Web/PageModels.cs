using System.Globalization;
using System.Security.Claims;
using OpenIddict.Abstractions;
using PeerTube.Net.Server.Features.Accounts;

namespace PeerTube.Net.Server.Features.Web;

/// <summary>Who is looking at a page: the user behind the pt_token cookie, if any.</summary>
public sealed record Viewer(int UserId, string Username, bool IsAdmin, bool IsModerator = false)
{
    public static Viewer? From(ClaimsPrincipal principal) =>
        principal.UserId() is { } id
            ? new Viewer(id, principal.GetClaim(OpenIddictConstants.Claims.Name) ?? "", principal.IsAdmin(), principal.IsModeratorOrAdmin())
            : null;
}

/// <summary>What every page's layout needs: the instance's name, the viewer, and where we are (for "sign in and come back").</summary>
public sealed record PageFrame(string InstanceName, Viewer? Viewer, string PathAndQuery)
{
    public string LoginUrl => LoginUrlFor(PathAndQuery);

    public static string LoginUrlFor(string returnTo) =>
        returnTo is "/" or "/login" || returnTo.StartsWith("/login?", StringComparison.Ordinal)
            ? "/login"
            : "/login?redirect=" + Uri.EscapeDataString(returnTo);
}

/// <summary>One <c>.video-card</c> of a grid.</summary>
public sealed record VideoCard(string ShortUuid, string Name, string? ThumbnailPath, int Duration, long Views, string ChannelName,
    string ChannelDisplayName, DateTimeOffset PublishedAt)
{
    public static VideoCard From(Video v) =>
        new(Videos.ShortUuid.FromGuid(v.Uuid), v.Name, v.ThumbnailFilename is null ? null : $"/lazy-static/thumbnails/{v.ThumbnailFilename}",
            v.Duration, v.Views, v.Channel!.Name, v.Channel.DisplayName, v.PublishedAt);
}

/// <summary>A playlist on a channel's page.</summary>
public sealed record PlaylistCard(Guid Uuid, string Name, string? ThumbnailFilename, int Length)
{
    public string Url => "/w/p/" + Videos.ShortUuid.FromGuid(Uuid);
}

/// <summary>A page of cards and whether there is a next one.</summary>
public sealed record CardPage(IReadOnlyList<VideoCard> Cards, bool HasNext);

/// <summary>How the pages write numbers, durations and sizes.</summary>
public static class Display
{
    public static string Duration(int seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes}:{t.Seconds:00}");
    }

    public static string Views(long views) =>
        views == 1 ? "1 view" : views.ToString("N0", CultureInfo.InvariantCulture) + " views";

    public static string Date(DateTimeOffset date) => date.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);

    public static string IsoDate(DateTimeOffset date) => date.ToString("O", CultureInfo.InvariantCulture);

    public static string Bytes(long bytes)
    {
        if (bytes < 0)
        {
            return "Unlimited";
        }

        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? bytes.ToString(CultureInfo.InvariantCulture) + " B" : value.ToString("0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Privacy(VideoPrivacy privacy) => VideoConstants.Privacies.GetValueOrDefault((int)privacy, "Unknown");

    public static string State(VideoState state) => VideoConstants.States.GetValueOrDefault((int)state, "Unknown");

    /// <summary>?page=N, read leniently: anything that is not a sensible page number is the first page.</summary>
    public static int PageNumber(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page is >= 1 and <= MaxPage ? page : 1;

    /// <summary>Far beyond any real listing, small enough that (page - 1) * size never overflows.</summary>
    public const int MaxPage = 100_000;
}
