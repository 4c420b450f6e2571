namespace PeerTube.Net.Browser.Tests.Infrastructure;

/// <summary>
/// Screenshots and logs a reader of the test run looks at: written under &lt;repo&gt;/.tmp/test-artefacts/browser/ and attached
/// to the xUnit result.
/// </summary>
public static class Artefacts
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), ".tmp", "test-artefacts", "browser");

    public static async Task<string> SaveAsync(string name, byte[] content, string mediaType)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, name);
        await File.WriteAllBytesAsync(path, content);
        Attach(name, content, mediaType);
        return path;
    }

    public static Task<string> SaveTextAsync(string name, string text) =>
        SaveAsync(name, System.Text.Encoding.UTF8.GetBytes(text), "text/plain");

    private static void Attach(string name, byte[] content, string mediaType)
    {
        try
        {
            // The VSTest adapter names the attachment file itself, adding the extension of the media type.
            TestContext.Current.AddAttachment(Path.GetFileNameWithoutExtension(name), content, mediaType);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Outside a test (or too late in its pipeline), or already attached: the file is written all the same.
        }
    }

    /// <summary>The folder holding PeerTube.Net.sln, found from the test binaries as ServerProcess does.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PeerTube.Net.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"no PeerTube.Net.sln above {AppContext.BaseDirectory}");
    }
}
