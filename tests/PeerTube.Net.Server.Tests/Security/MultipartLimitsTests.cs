using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PeerTube.Net.Server.Tests.Infrastructure;

namespace PeerTube.Net.Server.Tests.Security;

/// <summary>
/// Issue 15: the upload form is bounded (parts, field length, section headers) with PeerTube-style 413/400 answers,
/// never a 500; and an expected 4xx is not logged as "An unhandled exception has occurred" with a stack trace.
/// </summary>
public sealed class MultipartLimitsTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private ServerApplication _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerApplication.StartAsync(DatabaseKind.Sqlite,
        new Dictionary<string, string?> { ["Uploads:MaxFormFields"] = "50", ["Uploads:MaxFormFieldBytes"] = "4096" }, _logs.AddTo);

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Too_many_fields_are_refused_with_413()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var fields = string.Concat(Enumerable.Range(0, 60).Select(i => Part($"tags[{i}]", "x")));
        var response = await PostFormAsync(root, fields);
        await response.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "too_many_form_fields");
        NothingLoggedAsUnhandled();
    }

    [Fact]
    public async Task A_field_longer_than_the_limit_is_refused_with_413()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var response = await PostFormAsync(root, Part("name", "Video") + Part("description", new string('d', 5000)));
        await response.ShouldBeErrorAsync(HttpStatusCode.RequestEntityTooLarge, "form_field_too_long");
        NothingLoggedAsUnhandled();
    }

    [Fact]
    public async Task A_section_with_too_many_headers_is_refused_with_400()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        var headers = string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Padding-{i}: {i}\r\n"));
        var response = await PostFormAsync(root, $"--{Boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n{headers}\r\nVideo\r\n");
        await response.ShouldBeErrorAsync(HttpStatusCode.BadRequest, "invalid_multipart_form");
        NothingLoggedAsUnhandled();
    }

    [Fact]
    public async Task An_unreadable_video_is_a_422_that_is_not_logged_as_a_fault()
    {
        using var root = await PeerTubeClient.LoginAsRootAsync(_server);
        await (await root.UploadAsync(await TestMedia.GarbageAsync(), "Garbage")).ShouldBeErrorAsync(HttpStatusCode.UnprocessableEntity, "video_file_unreadable");
        await (await root.StartResumableUploadAsync("notes.txt", 1000, "Not a video")).ShouldBeErrorAsync(HttpStatusCode.UnsupportedMediaType, null);
        NothingLoggedAsUnhandled();
    }

    [Fact]
    public async Task Anonymous_is_refused_before_the_form_is_read()
    {
        using var anonymous = PeerTubeClient.Anonymous(_server);
        var response = await PostFormAsync(anonymous, Part("name", "x"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private const string Boundary = "----limits-test-boundary";

    private static string Part(string name, string value) =>
        $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n";

    private static async Task<HttpResponseMessage> PostFormAsync(PeerTubeClient client, string parts)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(parts + $"--{Boundary}--\r\n"));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        return await client.Http.PostAsync("/api/v1/videos/upload", content, TestContext.Current.CancellationToken);
    }

    private void NothingLoggedAsUnhandled()
    {
        var faults = _logs.Entries.Where(e => e.Message.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase) || e.Exception is not null).ToList();
        Assert.True(faults.Count == 0, "expected 4xx answers were logged as faults: "
            + string.Join("\n", faults.Select(f => $"{f.Level} {f.Category}: {f.Message} {f.Exception?.GetType().Name}")));
    }
}
