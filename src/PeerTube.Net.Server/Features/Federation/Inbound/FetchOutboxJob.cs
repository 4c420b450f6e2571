using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Features.Federation.Inbound;

/// <summary>
/// A followed actor's back catalogue: its outbox, page by page (bounded), each video fetched from its own origin.
/// Safe to run twice: videos are upserted.
/// </summary>
public sealed partial class FetchOutboxJob(AppDbContext db, FederationHttpClient http, LocalActors local, RemoteVideos videos, ILogger<FetchOutboxJob> logger)
{
    public const int MaxPages = 50;
    public const int MaxItems = 2000;

    public async Task RunAsync(int actorId, CancellationToken ct)
    {
        var actor = await db.Actors.AsNoTracking().FirstOrDefaultAsync(a => a.Id == actorId, ct);
        if (actor?.OutboxUrl is not { } outboxUrl || actor.IsLocal)
        {
            return;
        }

        var signer = LocalActors.SigningKey(await local.InstanceActorAsync(ct));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? next = outboxUrl;
        var pages = 0;
        while (next is not null && pages++ < MaxPages && seen.Count < MaxItems)
        {
            if (!ActivityJson.SameHost(next, actor.Url) || !Uri.TryCreate(next, UriKind.Absolute, out var uri))
            {
                break;
            }

            var page = await http.GetActivityAsync(uri, signer, ct);
            if (!page.Ok || page.Document is null)
            {
                // Throw so that Hangfire retries later: the partner may be briefly down.
                throw new HttpRequestException($"Could not fetch the outbox page {next}: {page.Error}");
            }

            using var doc = page.Document;
            var root = doc.RootElement;
            var items = root.Items("orderedItems").Concat(root.Items("items")).ToList();
            if (items.Count == 0 && root.TryProperty("first", out var first))
            {
                if (first.ValueKind == JsonValueKind.Object)
                {
                    items = first.Items("orderedItems").Concat(first.Items("items")).ToList();
                    next = first.Id("next");
                }
                else
                {
                    next = ActivityJson.IdOf(first);
                    continue;
                }
            }
            else
            {
                next = root.Id("next");
            }

            foreach (var item in items)
            {
                var obj = item.TryProperty("object", out var o) ? o : item;
                var url = ActivityJson.IdOf(obj);
                if (url is null || !seen.Add(url) || !Uri.TryCreate(url, UriKind.Absolute, out var videoUri))
                {
                    continue;
                }

                // Never trust the outbox's copy: the origin of each video speaks for it.
                var fetched = await http.GetActivityAsync(videoUri, signer, ct);
                if (fetched is { Ok: true, Document: { } video })
                {
                    using (video)
                    {
                        if (video.RootElement.Type() == "Video")
                        {
                            await videos.UpsertAsync(video.RootElement, ActivityJson.HostOf(fetched.FinalUrl.AbsoluteUri)!, ct);
                        }
                    }
                }
                else
                {
                    LogSkipped(url, fetched.Error);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Back catalogue: skipped {Url} ({Error})")]
    private partial void LogSkipped(string url, string? error);
}
