using Microsoft.Playwright;

namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// One headless Chromium per test class (a class fixture); each story opens its own context with <see cref="OpenAsync"/>.
/// The browser is the system's (scripts/test.sh installs it): Playwright's own downloads are never used.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string PathVariable = "PEERTUBE_CHROMIUM";
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>No GPU, no Google services, no network except loopback (the proxy is a closed port; loopback bypasses it).</summary>
    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--proxy-server=http://127.0.0.1:9",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started");

    public async ValueTask InitializeAsync()
    {
        var executable = ExecutablePath;
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {executable}. The browser tests need a system Chromium: run them with `bash scripts/test.sh` " +
                $"(it installs the apt package `chromium`), or install it yourself, or point {PathVariable} at a Chromium binary. " +
                "Playwright's own browser downloads are not used.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh context (no cookies, no storage) and page, recording what the page says and asks for.</summary>
    public Task<BrowserSession> OpenAsync(string? baseUrl = null, int visitor = 1) => BrowserSession.OpenAsync(Browser, baseUrl, visitor);

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
