using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace PeerTube.Net.Server.Tests.Infrastructure;

/// <summary>Talks to a server the way PeerTube's own clients do. Each method is one thing a user does.</summary>
public sealed class PeerTubeClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public static async Task<PeerTubeClient> LoginAsync(ServerApplication server, string username, string password)
    {
        var http = CreateHttpClient(server);
        var token = await RequestTokenAsync(http, username, password);
        token.EnsureSuccessStatusCode();
        var body = await token.Content.ReadFromJsonAsync<JsonElement>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("access_token").GetString());
        return new PeerTubeClient(http);
    }

    public static Task<PeerTubeClient> LoginAsRootAsync(ServerApplication server) =>
        LoginAsync(server, "root", ServerApplication.RootPassword);

    public static PeerTubeClient Anonymous(ServerApplication server) => new(CreateHttpClient(server));

    /// <summary>308 is PeerTube's "resume incomplete", not a redirect to follow.</summary>
    public static HttpClient CreateHttpClient(ServerApplication server) =>
        server.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>PeerTube's login, with the very fields its CLI sends: the local OAuth client, then the password grant.</summary>
    public static async Task<HttpResponseMessage> RequestTokenAsync(HttpClient http, string username, string password)
    {
        var client = await http.GetFromJsonAsync<JsonElement>("/api/v1/oauth-clients/local");
        return await http.PostAsync("/api/v1/users/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = client.GetProperty("client_id").GetString()!,
            ["client_secret"] = client.GetProperty("client_secret").GetString()!,
            ["grant_type"] = "password",
            ["response_type"] = "code",
            ["scope"] = "upload",
            ["username"] = username,
            ["password"] = password,
        }));
    }

    public async Task<JsonElement> MeAsync() => await Http.GetFromJsonAsync<JsonElement>("/api/v1/users/me");

    public async Task<int> MyChannelIdAsync() => (await MeAsync()).GetProperty("videoChannels")[0].GetProperty("id").GetInt32();

    /// <summary>As an admin: creates a user and returns a client signed in as them.</summary>
    public async Task<PeerTubeClient> CreateUserAndLoginAsync(ServerApplication server, string username, long videoQuota = -1)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/users", new
        {
            username, password = username + "-password", email = $"{username}@example.test", role = 2, videoQuota, videoQuotaDaily = -1,
        });
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return await LoginAsync(server, username, username + "-password");
    }

    /// <summary>The single-request upload, with PeerTube's multipart field names.</summary>
    public async Task<HttpResponseMessage> UploadAsync(string file, string name, int? channelId = null, IDictionary<string, string>? fields = null,
        string? uploadFilename = null)
    {
        channelId ??= await MyChannelIdAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        form.Add(new StringContent(channelId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)), "channelId");
        foreach (var (key, value) in fields ?? new Dictionary<string, string>())
        {
            form.Add(new StringContent(value), key);
        }

        var stream = File.OpenRead(file);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        form.Add(content, "videofile", uploadFilename ?? Path.GetFileName(file));
        return await Http.PostAsync("/api/v1/videos/upload", form);
    }

    public async Task<JsonElement> UploadVideoAsync(string file, string name, IDictionary<string, string>? fields = null)
    {
        var response = await UploadAsync(file, name, fields: fields);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("video");
    }

    /// <summary>Opens a resumable upload session; returns the response (201 + Location on success).</summary>
    public async Task<HttpResponseMessage> StartResumableUploadAsync(string filename, long length, string name, int? channelId = null,
        object? extra = null)
    {
        channelId ??= await MyChannelIdAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/videos/upload-resumable")
        {
            Content = JsonContent.Create(new Dictionary<string, object?>
            {
                ["name"] = name, ["channelId"] = channelId, ["filename"] = filename, ["privacy"] = 1,
            }.Concat(extra is null ? [] : JsonSerializer.SerializeToElement(extra).EnumerateObject()
                .Select(p => new KeyValuePair<string, object?>(p.Name, p.Value))).ToDictionary()),
        };
        request.Headers.Add("X-Upload-Content-Length", length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("X-Upload-Content-Type", "video/mp4");
        return await Http.SendAsync(request);
    }

    public async Task<HttpResponseMessage> PutChunkAsync(string location, byte[] file, long start, long endInclusive, HttpContent? content = null,
        CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, location)
        {
            Content = content ?? new ByteArrayContent(file, (int)start, (int)(endInclusive - start + 1)),
        };
        request.Content.Headers.ContentRange = new ContentRangeHeaderValue(start, endInclusive, file.Length);
        return await Http.SendAsync(request, cancellationToken);
    }

    /// <summary>Asks how much of the upload the server holds (PUT with "bytes */total").</summary>
    public async Task<HttpResponseMessage> QueryUploadAsync(string location, long total)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, location) { Content = new ByteArrayContent([]) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", $"bytes */{total}");
        return await Http.SendAsync(request);
    }

    public async Task<JsonElement> GetVideoAsync(object id) => await Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{id}");

    /// <summary>Polls the API until the video leaves "to transcode"; the test's own timeout bounds the wait.</summary>
    public async Task<JsonElement> WaitForTranscodingAsync(object id)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        while (true)
        {
            var video = await Http.GetFromJsonAsync<JsonElement>($"/api/v1/videos/{id}", timeout.Token);
            if (video.GetProperty("state").GetProperty("id").GetInt32() != 2)
            {
                return video;
            }

            await Task.Delay(150, timeout.Token);
        }
    }

    public void Dispose() => Http.Dispose();
}
