namespace PeerTube.Net.Server.Tests.Infrastructure;

/// <summary>The Redis the multi-node tests share: the throwaway redis-server that scripts/test.sh starts, or your own.</summary>
public static class TestRedis
{
    public const string Variable = "PEERTUBE_TEST_REDIS";

    /// <summary>A StackExchange.Redis connection string (host:port).</summary>
    public static string Configuration =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configuration
            ? configuration
            : throw new InvalidOperationException(
                $"{Variable} is not set. Run the tests with `bash scripts/test.sh`, which starts a throwaway redis-server and sets it.");

    /// <summary>A prefix of its own for each test class's keys and channels, so that classes running at once never meet.</summary>
    public static string NewPrefix() => "pt-test-" + Guid.NewGuid().ToString("N")[..12];
}
