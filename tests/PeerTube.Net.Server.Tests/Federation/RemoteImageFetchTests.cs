using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerTube.Net.Server.Features.Federation;
using PeerTube.Net.Server.Features.Federation.Http;

namespace PeerTube.Net.Server.Tests.Federation;

/// <summary>
/// What the federation client takes as a remote video's image, against a loopback server answering each path with a
/// chosen type and body: only JPEG, PNG or WebP, by both the Content-Type and the first bytes, within the size cap, and
/// from a private address only when that is allowed.
/// </summary>
public sealed class RemoteImageFetchTests : IDisposable
{
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 2, 3];
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    private static readonly byte[] WebP = [.. "RIFF"u8, 4, 0, 0, 0, .. "WEBPVP8 "u8];
    private static readonly byte[] Html = "<!doctype html><title>not an image</title>"u8.ToArray();

    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, (string Type, byte[] Body)> _files = new()
    {
        ["/a.jpg"] = ("image/jpeg", Jpeg),
        ["/a.png"] = ("image/png", Png),
        ["/a.webp"] = ("image/webp", WebP),
        ["/page.jpg"] = ("text/html", Html),
        ["/lying.jpg"] = ("image/jpeg", Html),
        ["/big.jpg"] = ("image/jpeg", [.. Jpeg, .. new byte[4096]]),
        ["/moved.jpg"] = ("redirect", "/a.jpg"u8.ToArray()),
    };

    private readonly string _base;

    public RemoteImageFetchTests()
    {
        var port = ServerProcessPorts.Free();
        _base = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(_base + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    [Theory]
    [InlineData("/a.jpg", "image/jpeg")]
    [InlineData("/a.png", "image/png")]
    [InlineData("/a.webp", "image/webp")]
    [InlineData("/moved.jpg", "image/jpeg")]
    public async Task An_image_is_taken_as_it_is(string path, string type)
    {
        var result = await Client(allowPrivate: true).GetImageAsync(new Uri(_base + path), 1024, TestContext.Current.CancellationToken);

        Assert.True(result.Ok, result.Error);
        Assert.Equal(type, result.ContentType);
        var expected = path == "/moved.jpg" ? Jpeg : _files[path].Body;
        Assert.Equal(expected, result.Body);
    }

    [Theory]
    [InlineData("/page.jpg", "not an accepted image type")]
    [InlineData("/lying.jpg", "not a JPEG, PNG or WebP")]
    [InlineData("/big.jpg", "larger than 1024 bytes")]
    [InlineData("/missing.jpg", "HTTP 404")]
    public async Task Anything_else_is_refused(string path, string why)
    {
        var result = await Client(allowPrivate: true).GetImageAsync(new Uri(_base + path), 1024, TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.Null(result.Body);
        Assert.Contains(why, result.Error);
    }

    [Fact]
    public async Task A_private_address_is_refused_unless_allowed()
    {
        var result = await Client(allowPrivate: false).GetImageAsync(new Uri(_base + "/a.jpg"), 1024, TestContext.Current.CancellationToken);

        Assert.False(result.Ok);
        Assert.Contains("private address", result.Error);
    }

    private static FederationHttpClient Client(bool allowPrivate) =>
        new(new HttpClient(AddressGuard.Handler(() => allowPrivate)), new FixedOptions(new FederationOptions { AllowPrivateAddresses = allowPrivate }),
            TimeProvider.System, NullLogger<FederationHttpClient>.Instance);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var response = context.Response;
            if (!_files.TryGetValue(context.Request.Url!.AbsolutePath, out var file))
            {
                response.StatusCode = 404;
            }
            else if (file.Type == "redirect")
            {
                response.StatusCode = 302;
                response.RedirectLocation = System.Text.Encoding.ASCII.GetString(file.Body);
            }
            else
            {
                response.ContentType = file.Type;
                await response.OutputStream.WriteAsync(file.Body);
            }

            response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }

    private sealed class FixedOptions(FederationOptions value) : IOptionsMonitor<FederationOptions>
    {
        public FederationOptions CurrentValue => value;
        public FederationOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<FederationOptions, string?> listener) => null;
    }
}
