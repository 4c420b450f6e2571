namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// Base of a story class: hands out browser sessions (a fresh context each) and closes them after the test, when xUnit knows
/// whether it failed, so a failed story leaves a screenshot and the browser log of every visitor it opened.
/// </summary>
public abstract class BrowserStories(Chromium chromium, string? baseUrl) : IAsyncLifetime
{
    private readonly List<BrowserSession> _sessions = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>A new visitor: no cookies, no storage. Closed at the end of the test.</summary>
    protected async Task<BrowserSession> VisitAsync()
    {
        var session = await chromium.OpenAsync(baseUrl, _sessions.Count + 1);
        _sessions.Add(session);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            await session.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
