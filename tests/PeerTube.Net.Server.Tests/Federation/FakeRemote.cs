using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// Another fediverse server, as small as it can be: a loopback listener that serves ActivityPub documents by path,
/// records what is POSTed to it, and signs the requests it sends with its actors' keys. It stands for Mastodon or for a
/// PeerTube instance when a test needs exact payloads (or forged ones).
/// </summary>
public sealed class FakeRemote : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, string> _documents = new();
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string Type)> _files = new();
    private readonly Task _loop;

    public FakeRemote()
    {
        Port = ServerProcessPorts.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
        (PublicKeyPem, PrivateKeyPem) = HttpSignatures.NewKeyPair();
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public string BaseUrl => $"http://{Host}";

    /// <summary>One key for every actor served here (each actor's publicKey names it under its own id).</summary>
    public string PublicKeyPem { get; }
    public string PrivateKeyPem { get; }

    public ConcurrentQueue<(string Path, JsonElement Body)> Received { get; } = new();

    /// <summary>The paths of every GET served (or refused), in order: what the server under test fetched from us.</summary>
    public ConcurrentQueue<string> Fetched { get; } = new();

    /// <summary>
    /// Serves a document at a path; <c>{{host}}</c> and <c>{{base}}</c> in it become this server's, and
    /// <c>{{publicKeyPem}}</c> its public key (escaped for a JSON string).
    /// </summary>
    public void Serve(string path, string json) => _documents[path] = Expand(json);

    /// <summary>Serves a file at a path (a video's MP4, an image), with single byte ranges and open to every origin.</summary>
    public void ServeFile(string path, byte[] bytes, string contentType) => _files[path] = (bytes, contentType);

    public string Expand(string text) => text
        .Replace("{{base}}", BaseUrl, StringComparison.Ordinal)
        .Replace("{{host}}", Host, StringComparison.Ordinal)
        .Replace("{{publicKeyPem}}", JsonEncodedText.Encode(PublicKeyPem).ToString(), StringComparison.Ordinal);

    /// <summary>A Person with an inbox and a shared inbox here, signed with this server's key.</summary>
    public string Person(string name)
    {
        var id = $"{BaseUrl}/users/{name}";
        Serve($"/users/{name}", new JsonObject
        {
            ["@context"] = new JsonArray("https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"),
            ["id"] = id, ["type"] = "Person", ["preferredUsername"] = name, ["name"] = name,
            ["inbox"] = $"{id}/inbox", ["outbox"] = $"{id}/outbox",
            ["endpoints"] = new JsonObject { ["sharedInbox"] = $"{BaseUrl}/inbox" },
            ["publicKey"] = new JsonObject { ["id"] = $"{id}#main-key", ["owner"] = id, ["publicKeyPem"] = PublicKeyPem },
        }.ToJsonString());
        return id;
    }

    /// <summary>POSTs an activity to an inbox, signed as <paramref name="keyId"/>; <paramref name="tamper"/> may spoil the request after signing.</summary>
    public async Task<HttpResponseMessage> PostAsync(string inboxUrl, string json, string keyId, Action<HttpRequestMessage>? tamper = null,
        DateTimeOffset? now = null, string? privateKeyPem = null, HttpClient? via = null)
    {
        var body = Encoding.UTF8.GetBytes(Expand(json));
        var request = new HttpRequestMessage(HttpMethod.Post, inboxUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        using var key = HttpSignatures.ImportPem(privateKeyPem ?? PrivateKeyPem);
        HttpSignatures.Sign(request, body, keyId, key, now ?? DateTimeOffset.UtcNow);
        tamper?.Invoke(request);
        if (via is not null)
        {
            return await via.SendAsync(request);
        }

        using var http = new HttpClient();
        return await http.SendAsync(request);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => Handle(context));
        }
    }

    private static async Task ServeFileAsync(HttpListenerContext context, byte[] bytes, string contentType)
    {
        var response = context.Response;
        response.ContentType = contentType;
        response.AddHeader("Accept-Ranges", "bytes");
        response.AddHeader("Access-Control-Allow-Origin", "*");
        long from = 0, to = bytes.Length - 1;
        var range = context.Request.Headers["Range"];
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && !range.Contains(',', StringComparison.Ordinal))
        {
            var parts = range["bytes=".Length..].Split('-');
            if (long.TryParse(parts[0], out var start))
            {
                from = start;
                to = parts.Length > 1 && long.TryParse(parts[1], out var end) ? Math.Min(end, bytes.Length - 1) : to;
            }

            if (from > to || from >= bytes.Length)
            {
                response.StatusCode = 416;
                return;
            }

            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {from}-{to}/{bytes.Length}");
        }

        response.ContentLength64 = to - from + 1;
        if (context.Request.HttpMethod != "HEAD")
        {
            await response.OutputStream.WriteAsync(bytes.AsMemory((int)from, (int)(to - from + 1)));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        var response = context.Response;
        if (context.Request.HttpMethod != "POST")
        {
            Fetched.Enqueue(path);
        }

        try
        {
            if (context.Request.HttpMethod == "POST")
            {
                using var reader = new StreamReader(context.Request.InputStream);
                var text = await reader.ReadToEndAsync();
                try
                {
                    Received.Enqueue((path, JsonDocument.Parse(text).RootElement.Clone()));
                }
                catch (JsonException)
                {
                }

                response.StatusCode = 202;
            }
            else if (_files.TryGetValue(path, out var file))
            {
                await ServeFileAsync(context, file.Bytes, file.Type);
            }
            else if (_documents.TryGetValue(context.Request.Url!.PathAndQuery, out var json) || _documents.TryGetValue(path, out json))
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                response.ContentType = "application/activity+json";
                await response.OutputStream.WriteAsync(bytes);
            }
            else
            {
                response.StatusCode = 404;
            }
        }
        finally
        {
            response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

internal static class ServerProcessPorts
{
    public static int Free() => Infrastructure.ServerProcess.FreePort();
}
