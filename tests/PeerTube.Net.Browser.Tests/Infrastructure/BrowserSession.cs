using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Playwright;

namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// One visitor: a fresh browser context (no cookies, no storage) and its page. It writes down everything the page says
/// (console, uncaught errors) and asks for (requests, WebSockets), so stories can assert on it and failures can show it.
/// Disposing it after a failed test saves a screenshot and that log as artefacts.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private readonly int _visitor;

    private BrowserSession(IBrowserContext context, IPage page, int visitor)
    {
        _visitor = visitor;
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            var line = $"console.{message.Type}: {message.Text} ({message.Location})";
            Log(line);
            if (message.Type == "error")
            {
                _errors.Enqueue(line);
            }
        };
        page.PageError += (_, error) =>
        {
            var line = $"uncaught error: {error}";
            Log(line);
            _errors.Enqueue(line);
        };
        page.Request += (_, request) =>
        {
            _requests.Enqueue(new RecordedRequest(_clock.Elapsed, request.Method, request.Url));
            Log($"request: {request.Method} {request.Url}");
        };
        page.Response += (_, response) => Log($"response: {response.Status} {response.Request.Method} {response.Url}");
        page.RequestFailed += (_, request) => Log($"request failed: {request.Method} {request.Url}: {request.Failure}");
        page.WebSocket += (_, socket) =>
        {
            _requests.Enqueue(new RecordedRequest(_clock.Elapsed, "WEBSOCKET", socket.Url));
            Log($"websocket: {socket.Url}");
        };
        page.FrameNavigated += (_, frame) => Log($"navigated{(frame.ParentFrame is null ? "" : " (frame)")}: {frame.Url}");
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>Every request the page (and its frames) made, in order, with the time since the session opened.</summary>
    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>console.error messages and uncaught exceptions, from the page and its frames.</summary>
    public IReadOnlyList<string> Errors => [.. _errors];

    /// <summary>A stamp on the same clock as <see cref="Requests"/>, to tell what happened before and after a moment.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>Opens a context; <paramref name="visitor"/> numbers the visitors of one test, for the names of their artefacts.</summary>
    public static async Task<BrowserSession> OpenAsync(IBrowser browser, string? baseUrl, int visitor = 1)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(30_000);
        context.SetDefaultNavigationTimeout(30_000);
        var page = await context.NewPageAsync();
        return new BrowserSession(context, page, visitor);
    }

    public void Log(string line) => _log.Enqueue($"[{_clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),8}] {line}");

    public async Task<IResponse> GotoAsync(string url)
    {
        var response = await Page.GotoAsync(url);
        Assert.True(response is not null, $"opening {url} gave no response");
        return response;
    }

    /// <summary>Signs in through the login page, as a person does, and waits for the signed-in menu.</summary>
    public async Task SignInAsync(string username, string password)
    {
        await GotoAsync("/login");
        await Page.FillAsync("#login-username", username);
        await Page.FillAsync("#login-password", password);
        await Page.ClickAsync("#login-submit");
        await WaitForAsync(
            "() => document.querySelector('nav#user-menu') !== null || (document.querySelector('#login-error')?.textContent ?? '').trim() !== ''",
            $"the login page to sign {username} in (nav#user-menu) or to show #login-error");
        var error = await Page.Locator("#login-error").AllInnerTextsAsync();
        Assert.True(await Page.Locator("nav#user-menu").CountAsync() > 0,
            $"signing in as {username} through /login failed: #login-error says '{string.Join(" ", error).Trim()}'.{Diagnostics()}");
    }

    /// <summary>Waits until a JavaScript predicate holds in the page; on time-out, fails saying what was awaited and what the page did.</summary>
    public async Task WaitForAsync(string predicate, string what, TimeSpan? timeout = null, object? arg = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        try
        {
            await Page.WaitForFunctionAsync(predicate, arg, new PageWaitForFunctionOptions
            {
                Timeout = (float)limit.TotalMilliseconds,
                PollingInterval = 100,
            });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Waited {limit.TotalSeconds:0} s for {what}, in vain.{Diagnostics()}");
        }
    }

    /// <summary>Polls a value from the page until it satisfies a condition; returns the last value seen (the caller asserts it).</summary>
    public async Task<T> PollAsync<T>(string expression, Func<T, bool> done, TimeSpan? timeout = null, object? arg = null)
    {
        var deadline = _clock.Elapsed + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await Page.EvaluateAsync<T>(expression, arg);
            if (done(value) || _clock.Elapsed > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A full-page screenshot, kept as an artefact under the given file name.</summary>
    public async Task<string> ScreenshotAsync(string name) =>
        await Artefacts.SaveAsync(name, await Page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true }), "image/png");

    /// <summary>What the page did, for failure messages: its URL, its errors and the tail of the log.</summary>
    public string Diagnostics(int lines = 60)
    {
        var text = new StringBuilder();
        text.AppendLine().Append("Page: ").AppendLine(Page.Url);
        var errors = Errors;
        text.AppendLine(errors.Count == 0 ? "Console errors: none" : "Console errors:");
        foreach (var error in errors.TakeLast(20))
        {
            text.Append("  ").AppendLine(error);
        }

        var log = _log.ToArray();
        text.AppendLine($"Last {Math.Min(lines, log.Length)} of {log.Length} browser events:");
        foreach (var line in log.TakeLast(lines))
        {
            text.Append("  ").AppendLine(line);
        }

        return text.ToString();
    }

    /// <summary>
    /// Closes the context. After a failed test (known only once the test method has returned: see <see cref="BrowserStories"/>)
    /// it first saves a screenshot and the browser log.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (TestContext.Current.TestState?.Result == TestResult.Failed)
        {
            var name = ArtefactName() + (_visitor == 1 ? "" : $"-visitor{_visitor}");
            try
            {
                await ScreenshotAsync($"{name}-failure.png");
            }
            catch (PlaywrightException e)
            {
                Log($"no failure screenshot: {e.Message}");
            }

            await Artefacts.SaveTextAsync($"{name}-console.log", string.Join('\n', _log) + "\n");
        }

        await Context.CloseAsync();
    }

    private static string ArtefactName()
    {
        var context = TestContext.Current;
        var name = $"{context.TestClass?.TestClassSimpleName ?? "test"}.{context.TestMethod?.MethodName ?? "story"}";
        return string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
    }
}

public sealed record RecordedRequest(TimeSpan At, string Method, string Url)
{
    public string Path => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.AbsolutePath : Url;

    public override string ToString() => $"{At.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s {Method} {Url}";
}
